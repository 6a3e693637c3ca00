// RoPE at per-token positions (packed segments restart at 0), forward and backward, in both
// layouts: halves against transformers' apply_rotary_pos_emb, interleaved against Meta Llama's
// complex rotation, under PyTorch autograd (tools/make_ops_golden.py).
#include <gtest/gtest.h>

#include "ops/golden.h"
#include "ops/rope.h"

namespace clinote {
namespace {

using namespace ops_test;

TEST(RopeBackward, MatchesTorchAutograd) {
    for (const auto& c : golden_cases("rope")) {
        SCOPED_TRACE(c["name"].get<std::string>());
        const int64_t n = c["n"];
        const int heads = c["heads"], head_dim = c["head_dim"];
        const rope_layout layout = c["layout"] == "halves" ? rope_layout::halves : rope_layout::interleaved;
        const std::vector<float> inv_freq = floats(c["inv_freq"]);
        const std::vector<int32_t> positions = c["positions"].get<std::vector<int32_t>>();
        std::vector<float> x = floats(c["x"]), dx = floats(c["dy"]);
        rope_forward_positions(x.data(), n, heads, head_dim, positions.data(), inv_freq.data(), layout);
        expect_close(x, floats(c["y"]), "y");
        rope_backward_positions(dx.data(), n, heads, head_dim, positions.data(), inv_freq.data(), layout);
        expect_close(dx, floats(c["dx"]), "dx");
    }
}

TEST(RopeForwardPositions, SameAsRopeForwardForConsecutivePositions) {
    const int64_t n = 5;
    const int heads = 2, head_dim = 8;
    const std::vector<float> inv_freq = rope_inv_freq(10000.0f, head_dim);
    std::vector<float> a(size_t(n * heads * head_dim));
    for (size_t i = 0; i < a.size(); i++) a[i] = float(i % 7) - 3.0f;
    std::vector<float> b = a;
    const std::vector<int32_t> positions = {3, 4, 5, 6, 7};
    rope_forward(a.data(), n, heads, head_dim, 3, inv_freq.data(), rope_layout::halves);
    rope_forward_positions(b.data(), n, heads, head_dim, positions.data(), inv_freq.data(), rope_layout::halves);
    EXPECT_EQ(a, b);
}

}  // namespace
}  // namespace clinote
