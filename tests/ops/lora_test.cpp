// The LoRA linear layer against PEFT's lora.Linear under PyTorch autograd (its dropout replaced
// by the same fixed mask), on an F32 and a Q4_1 frozen weight; and the dropout mask generator.
#include <gtest/gtest.h>

#include "ops/golden.h"
#include "ops/lora.h"

namespace clinote {
namespace {

using namespace ops_test;

TEST(LoraLinear, MatchesPeftAutograd) {
    for (const auto& c : golden_cases("lora")) {
        SCOPED_TRACE(c["name"].get<std::string>());
        const int64_t n = c["n"], n_in = c["in"], n_out = c["out"], rank = c["rank"];
        std::vector<uint8_t> storage;
        const tensor_view w = golden_weight(c, storage);
        const std::vector<float> x = floats(c["x"]), dy = floats(c["dy"]), a = floats(c["a"]), b = floats(c["b"]);
        const std::vector<float> bias = c.contains("bias") ? floats(c["bias"]) : std::vector<float>();
        const std::vector<float> mask = c.contains("mask") ? floats(c["mask"]) : std::vector<float>();
        const lora_weights lora{a.data(), b.data(), rank, c["scale"].get<float>()};
        const float* mask_ptr = mask.empty() ? nullptr : mask.data();

        std::vector<float> y(size_t(n * n_out)), xa(size_t(n * rank));
        lora_linear_forward(w, bias.empty() ? nullptr : bias.data(), lora, x.data(), mask_ptr, xa.data(), y.data(), n);
        expect_close(y, floats(c["y"]), "y");

        std::vector<float> dx(size_t(n * n_in), 0.0f), da(a.size(), 0.0f), db(b.size(), 0.0f);
        lora_linear_backward(w, lora, x.data(), mask_ptr, xa.data(), dy.data(), dx.data(), da.data(), db.data(), n);
        expect_close(dx, floats(c["dx"]), "dx");
        expect_close(da, floats(c["da"]), "da");
        expect_close(db, floats(c["db"]), "db");
    }
}

TEST(DropoutMask, DropsAboutPAndScalesTheRest) {
    const int64_t n = 100000;
    const float p = 0.1f;
    std::vector<float> mask(static_cast<size_t>(n)), again(static_cast<size_t>(n)), other(static_cast<size_t>(n));
    dropout_mask_fill(mask.data(), n, p, 42);
    dropout_mask_fill(again.data(), n, p, 42);
    dropout_mask_fill(other.data(), n, p, 43);
    int64_t dropped = 0;
    for (float m : mask) {
        ASSERT_TRUE(m == 0.0f || m == 1.0f / (1.0f - p));
        dropped += m == 0.0f;
    }
    // Binomial(1e5, 0.1): standard deviation ~95, so 5 deviations is 475.
    EXPECT_NEAR(double(dropped), 0.1 * n, 475.0);
    EXPECT_EQ(mask, again);  // same seed, same mask
    EXPECT_NE(mask, other);
}

}  // namespace
}  // namespace clinote
