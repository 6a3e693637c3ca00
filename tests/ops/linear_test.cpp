// Linear and embedding forward/backward against PyTorch autograd (tools/make_ops_golden.py);
// quantised frozen weights against torch on gguf's dequantisation of the same blocks.
#include <gtest/gtest.h>

#include "core/error.h"
#include "ops/golden.h"
#include "ops/linear.h"

namespace clinote {
namespace {

using namespace ops_test;

TEST(LinearBackward, MatchesTorchAutograd) {
    for (const auto& c : golden_cases("linear")) {
        SCOPED_TRACE(c["name"].get<std::string>());
        const int64_t n = c["n"], n_in = c["in"], n_out = c["out"];
        std::vector<uint8_t> storage;
        const tensor_view w = golden_weight(c, storage);
        const std::vector<float> x = floats(c["x"]), dy = floats(c["dy"]);
        const std::vector<float> bias = c.contains("bias") ? floats(c["bias"]) : std::vector<float>();

        std::vector<float> y(size_t(n * n_out));
        linear_forward(w, bias.empty() ? nullptr : bias.data(), x.data(), y.data(), n);
        expect_close(y, floats(c["y"]), "y");

        // Gradients accumulate: start from 1 and take it off again, to check += rather than =.
        std::vector<float> dx(size_t(n * n_in), 1.0f);
        linear_backward_input(w, dy.data(), dx.data(), n);
        for (float& v : dx) v -= 1.0f;
        expect_close(dx, floats(c["dx"]), "dx");

        if (c.contains("dw")) {
            std::vector<float> dw(size_t(n_out * n_in), 0.0f), dbias(size_t(n_out), 0.0f);
            linear_backward_weight(x.data(), dy.data(), dw.data(), dbias.data(), n, n_in, n_out);
            expect_close(dw, floats(c["dw"]), "dw");
            expect_close(dbias, floats(c["dbias"]), "dbias");
        }
    }
}

TEST(EmbeddingBackward, ScatterAddsRepeatedIds) {
    for (const auto& c : golden_cases("embedding")) {
        const int64_t n_vocab = c["n_vocab"], dim = c["dim"];
        const std::vector<int32_t> ids = c["ids"].get<std::vector<int32_t>>();
        std::vector<float> table = floats(c["table"]);
        const std::vector<float> dout = floats(c["dout"]);
        const tensor_view tv{"table", dtype::f32, {n_vocab, dim}, table.data(), table.size() * sizeof(float)};
        std::vector<float> out(ids.size() * size_t(dim));
        embedding_forward(tv, ids.data(), int64_t(ids.size()), out.data());
        expect_close(out, floats(c["out"]), "out");
        std::vector<float> dtable(table.size(), 0.0f);
        embedding_backward(ids.data(), dout.data(), dtable.data(), int64_t(ids.size()), n_vocab, dim);
        expect_close(dtable, floats(c["dtable"]), "dtable");
    }
}

TEST(EmbeddingBackward, RejectsIdOutsideVocabulary) {
    const int32_t ids[] = {5};
    float dout[2] = {1, 2}, dtable[8] = {};
    EXPECT_THROW(embedding_backward(ids, dout, dtable, 1, 4, 2), error);
}

}  // namespace
}  // namespace clinote
