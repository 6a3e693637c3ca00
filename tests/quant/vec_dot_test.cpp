// Integer dot kernels: the scalar path against plain float arithmetic on the dequantised
// values, and every SIMD path this CPU has against the scalar path, on random blocks.
#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/half.h"
#include "quant/block_layouts.h"
#include "quant/quant.h"
#include "quant/vec_dot.h"

namespace clinote {
namespace {

constexpr dtype weight_types[] = {dtype::q8_0, dtype::q4_0, dtype::q4_1, dtype::q5_0, dtype::q5_1, dtype::q2_k,
                                  dtype::q3_k, dtype::q4_k, dtype::q5_k, dtype::q6_k};
constexpr cpu_path simd_paths[] = {cpu_path::avx2, cpu_path::avx512};

bool is_k_quant(dtype t) { return dtype_block_size(t) == qk_k; }
int64_t test_length(dtype t) { return is_k_quant(t) ? 512 : 576; }  // 2 super-blocks; 18 blocks as SmolLM2's rows

// Byte offsets of a block's f16 scales (and minimums) for the types clinote cannot
// quantise: the test fills them with sane values, every other byte at random.
std::vector<size_t> f16_field_offsets(dtype t) {
    switch (t) {
        case dtype::q5_0: return {offsetof(block_q5_0, d)};
        case dtype::q5_1: return {offsetof(block_q5_1, d), offsetof(block_q5_1, m)};
        case dtype::q2_k: return {offsetof(block_q2_k, d), offsetof(block_q2_k, dmin)};
        case dtype::q3_k: return {offsetof(block_q3_k, d)};
        case dtype::q4_k: return {offsetof(block_q4_k, d), offsetof(block_q4_k, dmin)};
        case dtype::q5_k: return {offsetof(block_q5_k, d), offsetof(block_q5_k, dmin)};
        case dtype::q6_k: return {offsetof(block_q6_k, d)};
        default: return {};
    }
}

void set_f16(uint8_t* block, size_t offset, float value) {
    const uint16_t h = f32_to_f16(value);
    std::memcpy(block + offset, &h, 2);
}

std::vector<float> random_floats(std::mt19937& rng, int64_t n) {
    std::normal_distribution<float> dist(0.0f, 1.0f);
    std::vector<float> v(static_cast<size_t>(n));
    for (float& x : v) x = dist(rng);
    return v;
}

// A random weight row: quantised floats where clinote has a quantiser, else random bytes
// with sane scales (the codes and packed sub-block scales take every bit pattern).
std::vector<uint8_t> random_row(std::mt19937& rng, dtype t, int64_t n) {
    std::vector<uint8_t> row(dtype_row_bytes(t, n));
    if (dtype_can_quantize(t)) {
        quantize_row(t, random_floats(rng, n).data(), row.data(), n);
        return row;
    }
    std::uniform_int_distribution<int> byte(0, 255);
    std::uniform_real_distribution<float> scale(0.001f, 0.05f);
    for (uint8_t& b : row) b = uint8_t(byte(rng));
    for (int64_t i = 0; i < n / dtype_block_size(t); i++)
        for (size_t off : f16_field_offsets(t)) set_f16(row.data() + size_t(i) * dtype_block_bytes(t), off, scale(rng));
    return row;
}

std::vector<uint8_t> quantize_activations(const vec_dot_kernels& k, const std::vector<float>& x) {
    std::vector<uint8_t> xq(size_t(int64_t(x.size()) / k.block_size) * k.act_block_bytes);
    k.quantize_act(x.data(), xq.data(), int64_t(x.size()));
    return xq;
}

// The quantised activations as floats, d * q per value.
std::vector<double> activation_values(const vec_dot_kernels& k, const std::vector<uint8_t>& xq, int64_t n) {
    std::vector<double> v(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; i++) {
        const int64_t b = i / k.block_size, j = i % k.block_size;
        if (k.block_size == 32) {
            const auto& blk = reinterpret_cast<const block_q8_32*>(xq.data())[b];
            v[size_t(i)] = double(blk.d) * blk.qs[j];
        } else {
            const auto& blk = reinterpret_cast<const block_q8_256*>(xq.data())[b];
            v[size_t(i)] = double(blk.d) * blk.qs[j];
        }
    }
    return v;
}

struct exact_dot {
    double value = 0, magnitude = 0;  // Σ w x and Σ |w x|, in double
};

exact_dot float_reference(dtype t, const std::vector<uint8_t>& row, const std::vector<double>& x) {
    std::vector<float> w(x.size());
    dequantize_row(t, row.data(), w.data(), int64_t(x.size()));
    exact_dot r;
    for (size_t i = 0; i < x.size(); i++) {
        r.value += double(w[i]) * x[i];
        r.magnitude += std::fabs(double(w[i]) * x[i]);
    }
    return r;
}

TEST(QuantizeActivations, CodesRoundToNearestAndSumsMatch) {
    std::mt19937 rng(1);
    for (dtype t : {dtype::q8_0, dtype::q4_k}) {
        const vec_dot_kernels& k = *vec_dot_kernels_for(t, cpu_path::scalar);
        std::vector<float> x = random_floats(rng, 512);
        x[5] = 0.0f;
        std::fill(x.begin() + 64, x.begin() + 96, 0.0f);  // an all-zero block: d = 0, codes 0
        const std::vector<uint8_t> xq = quantize_activations(k, x);
        const std::vector<double> back = activation_values(k, xq, 512);
        for (int64_t i = 0; i < 512; i++) {
            const float d = k.block_size == 32 ? reinterpret_cast<const block_q8_32*>(xq.data())[i / 32].d
                                               : reinterpret_cast<const block_q8_256*>(xq.data())[i / 256].d;
            EXPECT_LE(std::fabs(back[size_t(i)] - x[size_t(i)]), 0.5 * d * (1 + 1e-6)) << i;
        }
        if (k.block_size == 32) {
            const auto* b = reinterpret_cast<const block_q8_32*>(xq.data());
            EXPECT_EQ(b[2].d, 0.0f);
            for (int i = 0; i < 16; i++) {
                int s = 0;
                for (int j = 0; j < 32; j++) s += b[i].qs[j];
                EXPECT_EQ(b[i].s, b[i].d * float(s));
            }
        } else {
            const auto* b = reinterpret_cast<const block_q8_256*>(xq.data());
            for (int i = 0; i < 2; i++)
                for (int g = 0; g < 16; g++) {
                    int s = 0;
                    for (int j = 0; j < 16; j++) s += b[i].qs[16 * g + j];
                    EXPECT_EQ(b[i].bsums[g], s);
                }
        }
    }
}

// Scalar path vs Σ dequant(w) · dequant(x) in double: the integer sums are exact, so
// the only difference is float rounding of the per-block products and their running sum.
TEST(VecDot, ScalarMatchesFloatArithmeticOnDequantisedValues) {
    std::mt19937 rng(2);
    for (dtype t : weight_types) {
        const int64_t n = test_length(t);
        const vec_dot_kernels& k = *vec_dot_kernels_for(t, cpu_path::scalar);
        for (int rep = 0; rep < 50; rep++) {
            const std::vector<uint8_t> row = random_row(rng, t, n);
            const std::vector<uint8_t> xq = quantize_activations(k, random_floats(rng, n));
            const exact_dot ref = float_reference(t, row, activation_values(k, xq, n));
            EXPECT_NEAR(k.dot(n, row.data(), xq.data()), ref.value, 1e-5 * ref.magnitude) << dtype_name(t);
        }
    }
}

// Every SIMD path this CPU supports vs the scalar path. K-quants sum each super-block in
// integers and combine it as the scalar code does: identical bits. The 32-value types
// keep eight float partial sums: equal up to reordering the float sum of n/32 terms,
// bounded by 1e-6 × Σ|w x| (n/32 ≤ 18 terms, each rounding ≤ 6e-8 relative).
TEST(VecDot, SimdPathsMatchScalarOnRandomBlocks) {
    std::mt19937 rng(3);
    int checked = 0;
    for (cpu_path p : simd_paths) {
        if (!cpu_path_supported(p)) continue;
        for (dtype t : weight_types) {
            const int64_t n = test_length(t);
            const vec_dot_kernels& ref = *vec_dot_kernels_for(t, cpu_path::scalar);
            const vec_dot_kernels& k = *vec_dot_kernels_for(t, p);
            for (int rep = 0; rep < 200; rep++) {
                const std::vector<uint8_t> row = random_row(rng, t, n);
                const std::vector<uint8_t> xq = quantize_activations(k, random_floats(rng, n));
                const float want = ref.dot(n, row.data(), xq.data()), got = k.dot(n, row.data(), xq.data());
                if (is_k_quant(t)) {
                    EXPECT_EQ(got, want) << cpu_path_name(p) << " " << dtype_name(t);
                } else {
                    const double magnitude = float_reference(t, row, activation_values(k, xq, n)).magnitude;
                    EXPECT_NEAR(got, want, 1e-6 * magnitude) << cpu_path_name(p) << " " << dtype_name(t);
                }
                checked++;
            }
        }
    }
    if (checked == 0) GTEST_SKIP() << "this CPU has no SIMD path";
}

// Unit scales and small codes: every product and partial sum is an integer below 2^24,
// so every path must return the exact integer, whatever the order of its float sums.
TEST(VecDot, IntegerBlocksGiveExactIntegersOnEveryPath) {
    std::mt19937 rng(4);
    std::uniform_int_distribution<int> code(-16, 16), byte(0, 255), scale6(0, 255);
    const uint16_t one = f32_to_f16(1.0f);
    for (dtype t : weight_types) {
        const int64_t n = test_length(t);
        for (int rep = 0; rep < 20; rep++) {
            std::vector<uint8_t> row(dtype_row_bytes(t, n));
            for (uint8_t& b : row) b = uint8_t(byte(rng));
            for (int64_t i = 0; i < n / dtype_block_size(t); i++) {
                uint8_t* b = row.data() + size_t(i) * dtype_block_bytes(t);
                if (t == dtype::q8_0) {
                    std::memcpy(b, &one, 2);
                    for (int j = 0; j < 32; j++) reinterpret_cast<block_q8_0*>(b)->qs[j] = int8_t(code(rng));
                } else if (t == dtype::q4_0) {
                    std::memcpy(b, &one, 2);
                } else if (t == dtype::q4_1) {
                    const uint16_t m = f32_to_f16(float(code(rng)));
                    std::memcpy(b, &one, 2);
                    std::memcpy(b + 2, &m, 2);
                } else if (t == dtype::q6_k) {
                    auto* q6 = reinterpret_cast<block_q6_k*>(b);
                    q6->d = one;
                    for (int8_t& s : q6->scales) s = int8_t(code(rng) * 2);
                } else {  // unit scales; Q5_1's minimum a small integer
                    for (size_t off : f16_field_offsets(t)) set_f16(b, off, 1.0f);
                    if (t == dtype::q5_1) set_f16(b, offsetof(block_q5_1, m), float(code(rng)));
                }
            }
            // Activations built directly: d = 1, small codes.
            const vec_dot_kernels& ks = *vec_dot_kernels_for(t, cpu_path::scalar);
            std::vector<uint8_t> xq(size_t(n / ks.block_size) * ks.act_block_bytes);
            std::vector<double> x(static_cast<size_t>(n));
            for (int64_t i = 0; i < n; i++) x[size_t(i)] = code(rng);
            for (int64_t b = 0; b < n / ks.block_size; b++) {
                const double* xb = x.data() + b * ks.block_size;
                if (ks.block_size == 32) {
                    auto& blk = reinterpret_cast<block_q8_32*>(xq.data())[b];
                    blk.d = 1.0f;
                    int s = 0;
                    for (int j = 0; j < 32; j++) s += blk.qs[j] = int8_t(xb[j]);
                    blk.s = float(s);
                } else {
                    auto& blk = reinterpret_cast<block_q8_256*>(xq.data())[b];
                    blk.d = 1.0f;
                    for (int g = 0; g < 16; g++) {
                        int s = 0;
                        for (int j = 16 * g; j < 16 * g + 16; j++) s += blk.qs[j] = int8_t(xb[j]);
                        blk.bsums[g] = int16_t(s);
                    }
                }
            }
            const exact_dot want = float_reference(t, row, x);
            ASSERT_LT(want.magnitude, 1 << 24);
            for (cpu_path p : {cpu_path::scalar, cpu_path::avx2, cpu_path::avx512}) {
                if (!cpu_path_supported(p)) continue;
                const vec_dot_kernels& k = *vec_dot_kernels_for(t, p);
                EXPECT_EQ(k.dot(n, row.data(), xq.data()), float(want.value)) << cpu_path_name(p) << " " << dtype_name(t);
            }
        }
    }
}

// dot_tokens (several activation rows per weight row, as prefill uses) gives each row
// exactly what dot gives it alone, including the tails after groups of four.
TEST(VecDot, DotTokensEqualsOneDotPerToken) {
    std::mt19937 rng(5);
    for (cpu_path p : {cpu_path::scalar, cpu_path::avx2, cpu_path::avx512}) {
        if (!cpu_path_supported(p)) continue;
        for (dtype t : weight_types) {
            const int64_t n = test_length(t), n_tok = 7;
            const vec_dot_kernels& k = *vec_dot_kernels_for(t, p);
            const std::vector<uint8_t> row = random_row(rng, t, n);
            const size_t stride = size_t(n / k.block_size) * k.act_block_bytes;
            std::vector<uint8_t> xq(stride * n_tok);
            for (int64_t i = 0; i < n_tok; i++)
                k.quantize_act(random_floats(rng, n).data(), xq.data() + size_t(i) * stride, n);
            std::vector<float> out(size_t(n_tok) * 3, -1.0f);
            k.dot_tokens(n, row.data(), xq.data(), stride, n_tok, out.data(), 3);
            for (int64_t i = 0; i < n_tok; i++)
                EXPECT_EQ(out[size_t(i) * 3], k.dot(n, row.data(), xq.data() + size_t(i) * stride))
                    << cpu_path_name(p) << " " << dtype_name(t) << " token " << i;
        }
    }
}

class ScopedEnv {
  public:
    ScopedEnv(const char* name, const char* value) : name_(name) {
        if (const char* old = std::getenv(name)) old_ = old, had_ = true;
        setenv(name, value, 1);
    }
    ~ScopedEnv() { had_ ? setenv(name_, old_.c_str(), 1) : unsetenv(name_); }

  private:
    const char* name_;
    std::string old_;
    bool had_ = false;
};

TEST(CpuPath, ForcedOffAvx512StillChoosesAWorkingPath) {
    ScopedEnv env("CLINOTE_CPU", "avx2");
    const cpu_path p = cpu_path_select();
    EXPECT_NE(p, cpu_path::avx512);
    EXPECT_EQ(p, cpu_path_supported(cpu_path::avx2) ? cpu_path::avx2 : cpu_path::scalar);
    // The chosen path computes: Q4_1, the default model's type, against the scalar path.
    std::mt19937 rng(6);
    const std::vector<uint8_t> row = random_row(rng, dtype::q4_1, 576);
    const vec_dot_kernels& k = *vec_dot_kernels_for(dtype::q4_1, p);
    const std::vector<uint8_t> xq = quantize_activations(k, random_floats(rng, 576));
    const exact_dot ref = float_reference(dtype::q4_1, row, activation_values(k, xq, 576));
    EXPECT_NEAR(k.dot(576, row.data(), xq.data()), ref.value, 1e-5 * ref.magnitude);
}

TEST(CpuPath, ScalarCanBeForcedAndUnknownNamesAreRejected) {
    {
        ScopedEnv env("CLINOTE_CPU", "scalar");
        EXPECT_EQ(cpu_path_select(), cpu_path::scalar);
    }
    {
        ScopedEnv env("CLINOTE_CPU", "avx1024");
        EXPECT_THROW(cpu_path_select(), error);
    }
    ScopedEnv env("CLINOTE_CPU", "");
    const cpu_path best = cpu_path_select();
    EXPECT_TRUE(cpu_path_supported(best));
    if (best != cpu_path::avx512) {
        EXPECT_FALSE(cpu_path_supported(cpu_path(int(best) + 1)));
    }
}

TEST(VecDot, FloatTypesHaveNoIntegerKernel) {
    for (dtype t : {dtype::f32, dtype::f16, dtype::bf16}) EXPECT_EQ(vec_dot_kernels_for(t, cpu_path::scalar), nullptr);
}

}  // namespace
}  // namespace clinote
