// RMSNorm forward/backward (dx and dw, with Gemma's w_offset) against torch.nn.functional.rms_norm
// under autograd (tools/make_ops_golden.py).
#include <gtest/gtest.h>

#include "ops/golden.h"
#include "ops/norm.h"

namespace clinote {
namespace {

using namespace ops_test;

TEST(RmsNormBackward, MatchesTorchAutograd) {
    for (const auto& c : golden_cases("norm")) {
        SCOPED_TRACE(c["name"].get<std::string>());
        const int64_t rows = c["rows"], dim = c["dim"];
        const float offset = c["w_offset"], eps = c["eps"];
        const std::vector<float> x = floats(c["x"]), w = floats(c["w"]), dy = floats(c["dy"]);
        std::vector<float> y(x.size());
        rms_norm_forward(x.data(), w.data(), offset, eps, y.data(), rows, dim);
        expect_close(y, floats(c["y"]), "y");
        std::vector<float> dx(x.size(), 0.0f), dw(w.size(), 0.0f);
        rms_norm_backward(x.data(), w.data(), offset, eps, dy.data(), dx.data(), dw.data(), rows, dim);
        expect_close(dx, floats(c["dx"]), "dx");
        expect_close(dw, floats(c["dw"]), "dw");
        // Without dw, dx is unchanged (a frozen norm weight).
        std::vector<float> dx_only(x.size(), 0.0f);
        rms_norm_backward(x.data(), w.data(), offset, eps, dy.data(), dx_only.data(), nullptr, rows, dim);
        EXPECT_EQ(dx_only, dx);
    }
}

}  // namespace
}  // namespace clinote
