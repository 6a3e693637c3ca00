// Full-sequence causal GQA attention for training, forward and backward, against a masked
// softmax attention under PyTorch autograd (tools/make_ops_golden.py): plain causal over a
// batch of two, sliding window with left and right padding, packed segments with padding,
// packed segments with a window.
#include <gtest/gtest.h>

#include "ops/attention_train.h"
#include "ops/golden.h"

namespace clinote {
namespace {

using namespace ops_test;

TEST(AttentionTrain, MatchesTorchAutograd) {
    for (const auto& c : golden_cases("attention")) {
        SCOPED_TRACE(c["name"].get<std::string>());
        const int64_t n_batch = c["n_batch"], seq_len = c["seq_len"];
        const attention_shape shape{c["n_head"], c["n_head_kv"], c["head_dim"], c["scale"], c["window"]};
        const std::vector<float> q = floats(c["q"]), k = floats(c["k"]), v = floats(c["v"]), dout = floats(c["dout"]);
        std::vector<uint8_t> valid;
        std::vector<int32_t> segment;
        attention_mask mask;
        if (c.contains("valid")) mask.valid = (valid = c["valid"].get<std::vector<uint8_t>>()).data();
        if (c.contains("segment")) mask.segment = (segment = c["segment"].get<std::vector<int32_t>>()).data();

        std::vector<float> out(q.size()), lse(size_t(n_batch * seq_len * shape.n_head));
        attention_train_forward(shape, mask, q.data(), k.data(), v.data(), out.data(), lse.data(), n_batch, seq_len);
        expect_close(out, floats(c["out"]), "out");

        std::vector<float> dq(q.size(), 0.0f), dk(k.size(), 0.0f), dv(v.size(), 0.0f);
        attention_train_backward(shape, mask, q.data(), k.data(), v.data(), out.data(), lse.data(), dout.data(),
                                 dq.data(), dk.data(), dv.data(), n_batch, seq_len);
        expect_close(dq, floats(c["dq"]), "dq");
        expect_close(dk, floats(c["dk"]), "dk");
        expect_close(dv, floats(c["dv"]), "dv");
    }
}

}  // namespace
}  // namespace clinote
