// Dequantisation and quantisation against golden files from the gguf package's numpy
// reference (tools/make_quant_golden.py): every value must match bit for bit.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/half.h"
#include "core/paths.h"
#include "quant/quant.h"

namespace clinote {
namespace {

std::string golden_path(const std::string& name) { return source_dir() + "/tests/golden/quant/" + name; }

std::vector<uint8_t> read_bytes(const std::string& name) {
    std::ifstream f(golden_path(name), std::ios::binary);
    if (!f) throw std::runtime_error("cannot read golden file " + golden_path(name) + " (run tools/make_quant_golden.py)");
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

template <typename T>
std::vector<T> read_array(const std::string& name) {
    const std::vector<uint8_t> bytes = read_bytes(name);
    std::vector<T> out(bytes.size() / sizeof(T));
    std::memcpy(out.data(), bytes.data(), out.size() * sizeof(T));
    return out;
}

const nlohmann::json& manifest() {
    static const nlohmann::json m = nlohmann::json::parse(std::ifstream(golden_path("manifest.json")));
    return m;
}

uint32_t float_bits(float f) {
    uint32_t u;
    std::memcpy(&u, &f, 4);
    return u;
}

// Bit equality, so -0 vs 0 or a NaN payload counts as a difference; reports the first few.
void expect_same_floats(const std::vector<float>& got, const std::vector<float>& want, const std::string& what) {
    ASSERT_EQ(got.size(), want.size()) << what;
    int reported = 0;
    for (size_t i = 0; i < got.size() && reported < 5; i++) {
        if (float_bits(got[i]) != float_bits(want[i])) {
            ADD_FAILURE() << what << "[" << i << "]: got " << got[i] << " want " << want[i];
            reported++;
        }
    }
}

void expect_same_bytes(const std::vector<uint8_t>& got, const std::vector<uint8_t>& want, size_t block_bytes,
                       const std::string& what) {
    ASSERT_EQ(got.size(), want.size()) << what;
    int reported = 0;
    for (size_t i = 0; i < got.size() && reported < 5; i++) {
        if (got[i] != want[i]) {
            ADD_FAILURE() << what << ": block " << i / block_bytes << " byte " << i % block_bytes << ": got "
                          << int(got[i]) << " want " << int(want[i]);
            reported++;
        }
    }
}

class Dequantize : public ::testing::TestWithParam<std::string> {};

TEST_P(Dequantize, MatchesGgufPackageBitForBit) {
    const std::string name = GetParam();
    dtype t;
    ASSERT_TRUE(dtype_from_name(name, &t));
    const auto& entry = manifest()["dequantize"][name];
    const int64_t n = entry["n"];
    const std::vector<uint8_t> blocks = read_bytes(entry["blocks"]);
    ASSERT_EQ(blocks.size(), dtype_row_bytes(t, n));
    std::vector<float> got(static_cast<size_t>(n));
    dequantize_row(t, blocks.data(), got.data(), n);
    expect_same_floats(got, read_array<float>(entry["values"]), name);
}

INSTANTIATE_TEST_SUITE_P(Types, Dequantize,
                         ::testing::Values("F16", "BF16", "Q8_0", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q2_K", "Q3_K", "Q4_K",
                                           "Q5_K", "Q6_K"));

TEST(Dequantize, UnalignedSourceGivesSameValues) {
    const auto& entry = manifest()["dequantize"]["Q4_1"];
    const int64_t n = entry["n"];
    const std::vector<uint8_t> blocks = read_bytes(entry["blocks"]);
    std::vector<uint8_t> shifted(blocks.size() + 1);
    std::memcpy(shifted.data() + 1, blocks.data(), blocks.size());
    std::vector<float> got(static_cast<size_t>(n));
    dequantize_row(dtype::q4_1, shifted.data() + 1, got.data(), n);
    expect_same_floats(got, read_array<float>(entry["values"]), "Q4_1 at an odd address");
}

class Quantize : public ::testing::TestWithParam<std::string> {};

TEST_P(Quantize, MatchesGgufPackageBitForBit) {
    const std::string name = GetParam();
    dtype t;
    ASSERT_TRUE(dtype_from_name(name, &t));
    const auto& q = manifest()["quantize"];
    const int64_t n = q["n"];
    const std::vector<float> rows = read_array<float>(q["input"]);
    ASSERT_EQ(int64_t(rows.size()), n);
    std::vector<uint8_t> got(dtype_row_bytes(t, n));
    quantize_row(t, rows.data(), got.data(), n);
    expect_same_bytes(got, read_bytes(q[name]), dtype_block_bytes(t), name);
}

INSTANTIATE_TEST_SUITE_P(Types, Quantize, ::testing::Values("F16", "BF16", "Q8_0", "Q4_0", "Q4_1"));

TEST(Quantize, F32RoundTripsExactly) {
    const std::vector<float> rows = read_array<float>(manifest()["quantize"]["input"]);
    std::vector<uint8_t> bytes(dtype_row_bytes(dtype::f32, int64_t(rows.size())));
    quantize_row(dtype::f32, rows.data(), bytes.data(), int64_t(rows.size()));
    std::vector<float> back(rows.size());
    dequantize_row(dtype::f32, bytes.data(), back.data(), int64_t(rows.size()));
    expect_same_floats(back, rows, "F32");
}

TEST(Quantize, ReadOnlyTypesRefuseToQuantise) {
    std::vector<float> x(256, 1.0f);
    std::vector<uint8_t> out(256);
    for (dtype t : {dtype::q5_0, dtype::q5_1, dtype::q2_k, dtype::q3_k, dtype::q4_k, dtype::q5_k, dtype::q6_k}) {
        EXPECT_FALSE(dtype_can_quantize(t)) << dtype_name(t);
        EXPECT_THROW(quantize_row(t, x.data(), out.data(), 256), error) << dtype_name(t);
    }
    EXPECT_TRUE(dtype_can_quantize(dtype::q4_1));
}

TEST(Half, NarrowingMatchesNumpy) {
    const auto& h = manifest()["half"];
    const std::vector<float> x = read_array<float>(h["input"]);
    const std::vector<uint16_t> want_f16 = read_array<uint16_t>(h["f16"]);
    const std::vector<uint16_t> want_bf16 = read_array<uint16_t>(h["bf16"]);
    ASSERT_EQ(x.size(), want_f16.size());
    ASSERT_EQ(x.size(), want_bf16.size());
    int bad = 0;
    for (size_t i = 0; i < x.size() && bad < 5; i++) {
        if (f32_to_f16(x[i]) != want_f16[i] || f32_to_bf16(x[i]) != want_bf16[i]) {
            ADD_FAILURE() << "x = " << x[i] << " (bits " << std::hex << float_bits(x[i]) << "): f16 " << f32_to_f16(x[i])
                          << " want " << want_f16[i] << ", bf16 " << f32_to_bf16(x[i]) << " want " << want_bf16[i];
            bad++;
        }
    }
}

TEST(Half, EveryF16WidensAndNarrowsBack) {
    // Widening is exact, so narrowing the result must give the same bits back; NaNs stay NaN.
    for (uint32_t h = 0; h < 65536; h++) {
        const float f = f16_to_f32(uint16_t(h));
        if ((h & 0x7c00) == 0x7c00 && (h & 0x3ff)) {
            ASSERT_TRUE(std::isnan(f)) << h;
            ASSERT_TRUE(std::isnan(f16_to_f32(f32_to_f16(f)))) << h;
        } else {
            ASSERT_EQ(f32_to_f16(f), h) << h;
        }
    }
}

TEST(DtypeTable, NamesSizesAndErrors) {
    dtype t;
    EXPECT_TRUE(dtype_from_name("q4_k", &t));
    EXPECT_EQ(t, dtype::q4_k);
    EXPECT_TRUE(dtype_from_name("q5_0", &t));
    EXPECT_EQ(t, dtype::q5_0);
    EXPECT_FALSE(dtype_from_name("iq4_xs", &t));
    EXPECT_STREQ(dtype_name(dtype::bf16), "BF16");
    for (uint32_t id : {6u, 7u, 10u, 11u, 12u, 13u, 14u}) EXPECT_TRUE(dtype_is_known(id)) << id;
    EXPECT_FALSE(dtype_is_known(23));  // IQ4_XS: a GGML type clinote does not read
    EXPECT_EQ(dtype_row_bytes(dtype::q6_k, 512), 420u);
    EXPECT_EQ(dtype_row_bytes(dtype::q5_0, 640), 440u);
    EXPECT_EQ(dtype_row_bytes(dtype::q5_1, 64), 48u);
    EXPECT_EQ(dtype_row_bytes(dtype::q2_k, 256), 84u);
    EXPECT_EQ(dtype_row_bytes(dtype::q3_k, 512), 220u);
    EXPECT_EQ(dtype_row_bytes(dtype::q5_k, 256), 176u);
    EXPECT_EQ(dtype_row_bytes(dtype::bf16, 3), 6u);
    EXPECT_THROW(dtype_row_bytes(dtype::q8_0, 33), error);
    std::vector<float> out(48);
    std::vector<uint8_t> in(64);
    EXPECT_THROW(dequantize_row(dtype::q4_0, in.data(), out.data(), 48), error);
}

}  // namespace
}  // namespace clinote
