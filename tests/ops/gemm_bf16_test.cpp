// BF16 products: the scalar path against a double-precision product of the same BF16-rounded
// operands, the AMX path against the scalar one (skipped on a CPU without AMX), and the
// linear layer's BF16 forward / backward against PyTorch autograd to BF16 precision.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <random>
#include <vector>

#include "core/half.h"
#include "ops/gemm_bf16.h"
#include "ops/golden.h"
#include "ops/linear.h"

namespace clinote {
namespace {

std::vector<float> random_floats(size_t n, uint32_t seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal;
    std::vector<float> v(n);
    for (float& x : v) x = normal(rng);
    return v;
}

double bf16_round(float x) { return double(bf16_to_f32(f32_to_bf16(x))); }

struct shape {
    int64_t m, k, n;
};

// Shapes with every edge: rows, depth and columns that are not multiples of the 32-wide
// blocks, and sizes past the 256-row and 1024-deep chunks the products are cut into.
const shape shapes[] = {{1, 1, 1}, {45, 70, 37}, {64, 64, 64}, {300, 1100, 70}, {33, 2050, 17}};

// C = c0 (+)= bf16(A)·bf16(B) for B = W (transpose false) or Wᵀ, in double.
std::vector<double> reference(const std::vector<float>& a, const std::vector<float>& w, const shape& s, bool transpose,
                              const std::vector<float>& c0, bool accumulate) {
    std::vector<double> c(size_t(s.m * s.n));
    for (int64_t i = 0; i < s.m; i++)
        for (int64_t j = 0; j < s.n; j++) {
            double sum = accumulate ? c0[size_t(i * s.n + j)] : 0.0;
            for (int64_t kk = 0; kk < s.k; kk++) {
                const float b = transpose ? w[size_t(j * s.k + kk)] : w[size_t(kk * s.n + j)];
                sum += bf16_round(a[size_t(i * s.k + kk)]) * bf16_round(b);
            }
            c[size_t(i * s.n + j)] = sum;
        }
    return c;
}

// Each result within F32 summation error of the reference: rel · Σ|a||b| over its terms.
void expect_near_reference(const std::vector<float>& got, const std::vector<double>& want,
                           const std::vector<float>& a, const shape& s, double rel) {
    for (int64_t i = 0; i < s.m; i++)
        for (int64_t j = 0; j < s.n; j++) {
            double scale = 1.0;  // |a|·|b| with |b| ~ 1 per term, plus the accumulated start
            for (int64_t kk = 0; kk < s.k; kk++) scale += std::fabs(a[size_t(i * s.k + kk)]);
            const size_t at = size_t(i * s.n + j);
            ASSERT_NEAR(got[at], want[at], rel * scale * 4) << "row " << i << " column " << j;
        }
}

TEST(GemmBf16, ScalarPathMatchesDoubleProductOfRoundedOperands) {
    for (const shape& s : shapes)
        for (bool transpose : {false, true})
            for (bool accumulate : {false, true}) {
                SCOPED_TRACE(testing::Message() << s.m << "x" << s.k << "x" << s.n << " transpose " << transpose
                                                << " accumulate " << accumulate);
                const std::vector<float> a = random_floats(size_t(s.m * s.k), 1), w = random_floats(size_t(s.k * s.n), 2),
                                         c0 = random_floats(size_t(s.m * s.n), 3);
                // W stored as rows × cols: {n, k} when packed transposed, {k, n} as is.
                const bf16_panels b = transpose ? bf16_panels_pack(bf16_path::scalar, w.data(), s.n, s.k, true)
                                                : bf16_panels_pack(bf16_path::scalar, w.data(), s.k, s.n, false);
                ASSERT_EQ(b.k, s.k);
                ASSERT_EQ(b.n, s.n);
                std::vector<float> c = c0;
                gemm_bf16(bf16_path::scalar, a.data(), s.m, s.k, b, c.data(), s.n, accumulate);
                expect_near_reference(c, reference(a, w, s, transpose, c0, accumulate), a, s, 1e-6);
            }
}

TEST(GemmBf16, AmxPathMatchesScalarPath) {
    if (!bf16_path_supported(bf16_path::amx)) GTEST_SKIP() << "this CPU has no AMX";
    for (const shape& s : shapes)
        for (bool accumulate : {false, true}) {
            SCOPED_TRACE(testing::Message() << s.m << "x" << s.k << "x" << s.n << " accumulate " << accumulate);
            const std::vector<float> a = random_floats(size_t(s.m * s.k), 4), w = random_floats(size_t(s.k * s.n), 5),
                                     c0 = random_floats(size_t(s.m * s.n), 6);
            const bf16_panels b = bf16_panels_pack(bf16_path::scalar, w.data(), s.n, s.k, true);
            std::vector<float> scalar = c0, amx = c0;
            gemm_bf16(bf16_path::scalar, a.data(), s.m, s.k, b, scalar.data(), s.n, accumulate);
            gemm_bf16(bf16_path::amx, a.data(), s.m, s.k, b, amx.data(), s.n, accumulate);
            expect_near_reference(amx, std::vector<double>(scalar.begin(), scalar.end()), a, s, 1e-6);
        }
}

TEST(GemmBf16, AmxPackingGivesTheScalarPackingsBytes) {
    if (!bf16_path_supported(bf16_path::amx)) GTEST_SKIP() << "this CPU has no AMX";
    for (const shape& s : shapes)
        for (bool transpose : {false, true}) {
            SCOPED_TRACE(testing::Message() << s.k << "x" << s.n << " transpose " << transpose);
            const std::vector<float> w = random_floats(size_t(s.k * s.n), 7);
            const int64_t rows = transpose ? s.n : s.k, cols = transpose ? s.k : s.n;
            const bf16_panels scalar = bf16_panels_pack(bf16_path::scalar, w.data(), rows, cols, transpose);
            const bf16_panels amx = bf16_panels_pack(bf16_path::amx, w.data(), rows, cols, transpose);
            ASSERT_EQ(amx.data.size(), scalar.data.size());
            EXPECT_TRUE(amx.data == scalar.data);
        }
}

TEST(GemmBf16, PlainerCpuForcedByEnvironmentSelectsScalar) {
    const char* old = std::getenv("CLINOTE_CPU");
    const std::string saved = old ? old : "";
    setenv("CLINOTE_CPU", "avx2", 1);
    EXPECT_EQ(bf16_path_select(), bf16_path::scalar);
    if (old) setenv("CLINOTE_CPU", saved.c_str(), 1);
    else unsetenv("CLINOTE_CPU");
    EXPECT_TRUE(bf16_path_supported(bf16_path_select()));
}

// Rounding both operands to BF16 (8 significant bits) leaves each product within ~2^-8
// relative; with sums of mixed signs a result is within ~1% of the reference's scale.
TEST(LinearBf16, MatchesTorchAutogradToBf16Precision) {
    using namespace ops_test;
    for (const auto& c : golden_cases("linear")) {
        SCOPED_TRACE(c["name"].get<std::string>());
        const int64_t n = c["n"], n_in = c["in"];
        std::vector<uint8_t> storage;
        const tensor_view w = golden_weight(c, storage);
        const std::vector<float> x = floats(c["x"]), dy = floats(c["dy"]);
        const std::vector<float> bias = c.contains("bias") ? floats(c["bias"]) : std::vector<float>();
        const bf16_weight packed = bf16_weight_pack(w);

        std::vector<float> y(size_t(n * w.rows()));
        linear_forward(w, bias.empty() ? nullptr : bias.data(), x.data(), y.data(), n, matmul_mode::f32, &packed);
        expect_close(y, floats(c["y"]), "y", 2e-2);

        std::vector<float> dx(size_t(n * n_in), 1.0f);  // adds to what is there, as linear_backward_input
        linear_backward_input(w, dy.data(), dx.data(), n, &packed);
        for (float& v : dx) v -= 1.0f;
        expect_close(dx, floats(c["dx"]), "dx", 2e-2);
    }
}

}  // namespace
}  // namespace clinote
