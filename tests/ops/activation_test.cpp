// SwiGLU / GeGLU (tanh GeLU) forward and backward against torch.nn.functional.silu and
// gelu(approximate="tanh") under PyTorch autograd (tools/make_ops_golden.py).
#include <gtest/gtest.h>

#include "ops/activation.h"
#include "ops/golden.h"

namespace clinote {
namespace {

using namespace ops_test;

TEST(GluBackward, MatchesTorchAutograd) {
    for (const auto& c : golden_cases("glu")) {
        SCOPED_TRACE(c["name"].get<std::string>());
        const int64_t n = c["n"];
        const activation act = c["act"] == "silu" ? activation::silu : activation::gelu_tanh;
        const std::vector<float> gate = floats(c["gate"]), up = floats(c["up"]), dout = floats(c["dout"]);
        std::vector<float> out(static_cast<size_t>(n));
        glu_forward(gate.data(), up.data(), out.data(), n, act);
        expect_close(out, floats(c["out"]), "out");
        std::vector<float> dgate(size_t(n), 0.0f), dup(size_t(n), 0.0f);
        glu_backward(gate.data(), up.data(), dout.data(), dgate.data(), dup.data(), n, act);
        expect_close(dgate, floats(c["dgate"]), "dgate");
        expect_close(dup, floats(c["dup"]), "dup");
    }
}

}  // namespace
}  // namespace clinote
