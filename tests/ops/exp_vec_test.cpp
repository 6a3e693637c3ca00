// The eight-lane exp of softmax rows (ops/exp_vec.h) against std::exp, over lengths that
// leave a partial last group of eight.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "ops/exp_vec.h"

namespace clinote {
namespace {

TEST(ExpVec, MatchesStdExpOnNonPositiveInputs) {
    for (int64_t n : {1, 7, 8, 13, 1000}) {
        std::vector<float> x(static_cast<size_t>(n));
        for (int64_t i = 0; i < n; i++) x[size_t(i)] = -87.0f * float(i) / float(std::max<int64_t>(n - 1, 1));
        std::vector<float> y = x;
        exp_nonpositive_in_place(y.data(), n);
        for (int64_t i = 0; i < n; i++) {
            const double want = std::exp(double(x[size_t(i)]));
            EXPECT_NEAR(y[size_t(i)], want, 1e-6 * want) << "x = " << x[size_t(i)];
        }
    }
}

TEST(ExpVec, ClampsBelowMinus87) {
    std::vector<float> x = {-88.0f, -100.0f, -1e30f, -INFINITY, 0.0f};
    exp_nonpositive_in_place(x.data(), int64_t(x.size()));
    for (size_t i = 0; i + 1 < x.size(); i++) {
        EXPECT_GE(x[i], 0.0f);
        EXPECT_LT(x[i], 2e-38f);
    }
    EXPECT_EQ(x.back(), 1.0f);
}

}  // namespace
}  // namespace clinote
