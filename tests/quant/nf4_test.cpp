// NF4 with double quantisation against bitsandbytes (golden files from
// tools/make_adapter_golden.py: quantize_4bit(nf4, blocksize 64, compress_statistics=True)).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <vector>

#include "core/error.h"
#include "core/paths.h"
#include "quant/nf4.h"
#include "quant/quant.h"

using namespace clinote;

namespace {

std::string golden(const std::string& name) { return source_dir() + "/tests/golden/adapter/nf4/" + name; }

template <typename T>
std::vector<T> read_raw(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    EXPECT_TRUE(in.good()) << path;
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<T> out(bytes.size() / sizeof(T));
    std::memcpy(out.data(), bytes.data(), out.size() * sizeof(T));
    return out;
}

nlohmann::json meta() {
    std::ifstream in(golden("meta.json"));
    return nlohmann::json::parse(in);
}

// The script's input, recomputed bit for bit: a 32-bit multiplicative hash to [-0.5, 0.5)
// times 1 + row % 7.
std::vector<float> golden_input(int64_t rows, int64_t cols) {
    std::vector<float> x(size_t(rows * cols));
    for (int64_t i = 0; i < rows * cols; i++) {
        const uint64_t h = (uint64_t(i) * 2654435761ull) % (1ull << 32);
        const float u = float(double(h) / 4294967296.0) - 0.5f;
        x[size_t(i)] = u * (1.0f + float((i / cols) % 7));
    }
    return x;
}

TEST(Nf4, CodeBooksAreBitsandbytes) {
    const auto code4 = read_raw<float>(golden("code4.f32"));
    const auto code8 = read_raw<float>(golden("code8.f32"));
    ASSERT_EQ(code4.size(), 16u);
    ASSERT_EQ(code8.size(), 256u);
    for (size_t i = 0; i < 16; i++) EXPECT_EQ(nf4_code[i], code4[i]) << i;
    for (size_t i = 0; i < 256; i++) EXPECT_EQ(nf4_absmax_code[i], code8[i]) << i;
}

TEST(Nf4, QuantisationMatchesBitsandbytes) {
    const nlohmann::json m = meta();
    const int64_t rows = m["rows"], cols = m["cols"];
    const std::vector<float> x = golden_input(rows, cols);
    const nf4_quantized q = nf4_quantize(x.data(), rows * cols);
    EXPECT_EQ(q.packed, read_raw<uint8_t>(golden("packed.u8")));
    EXPECT_EQ(q.absmax_codes, read_raw<uint8_t>(golden("absmax_codes.u8")));
    const auto absmax2 = read_raw<float>(golden("absmax2.f32"));
    ASSERT_EQ(q.absmax2.size(), absmax2.size());
    ASSERT_EQ(absmax2.size(), 2u);  // the input spans two groups of 256 blocks, the second partial
    for (size_t g = 0; g < absmax2.size(); g++) EXPECT_NEAR(q.absmax2[g], absmax2[g], 1e-6 * absmax2[g]);
    // torch sums the mean in another order: allow an ulp.
    EXPECT_NEAR(q.offset, m["offset"].get<double>(), 1e-6 * m["offset"].get<double>());
}

// Row records built from bitsandbytes' own quantised numbers dequantise to its values.
TEST(Nf4, DequantisationMatchesBitsandbytes) {
    const nlohmann::json m = meta();
    const int64_t rows = m["rows"], cols = m["cols"];
    nf4_quantized q;
    q.packed = read_raw<uint8_t>(golden("packed.u8"));
    q.absmax_codes = read_raw<uint8_t>(golden("absmax_codes.u8"));
    q.absmax2 = read_raw<float>(golden("absmax2.f32"));
    q.offset = m["offset"].get<float>();
    std::vector<uint8_t> data(nf4_row_bytes(cols) * size_t(rows));
    nf4_pack_rows(q, rows, cols, data.data());
    const auto want = read_raw<float>(golden("dequantized.f32"));
    ASSERT_EQ(want.size(), size_t(rows * cols));
    std::vector<float> row(static_cast<size_t>(cols));
    const size_t row_bytes = dtype_row_bytes(dtype_nf4, cols);
    for (int64_t r = 0; r < rows; r++) {
        dequantize_row(dtype_nf4, data.data() + size_t(r) * row_bytes, row.data(), cols);
        for (int64_t i = 0; i < cols; i++) ASSERT_EQ(row[size_t(i)], want[size_t(r * cols + i)]) << r << "," << i;
    }
    // The error of 4 bits per weight: bitsandbytes' own maximum on this input.
    const std::vector<float> x = golden_input(rows, cols);
    double err = 0;
    for (size_t i = 0; i < x.size(); i++) err = std::max(err, std::fabs(double(x[i]) - double(want[i])));
    EXPECT_NEAR(err, m["max_abs_error"].get<double>(), 1e-6);
}

TEST(Nf4, RowSizesAndDispatch) {
    EXPECT_STREQ(dtype_name(dtype_nf4), "NF4");
    EXPECT_FALSE(dtype_is_known(uint32_t(dtype_nf4)));  // never read from or written to GGUF
    // 576 values: 9 blocks, touching at most 2 groups: 8 + 8 + 9 + 288 bytes.
    EXPECT_EQ(dtype_row_bytes(dtype_nf4, 576), 313u);
    EXPECT_THROW(dtype_row_bytes(dtype_nf4, 100), clinote::error);
    // A row quantised on its own comes back within half a code step of its block's absmax.
    std::vector<float> x(128), y(128);
    for (size_t i = 0; i < x.size(); i++) x[i] = std::sin(float(i)) * (i < 64 ? 1.0f : 3.0f);
    std::vector<uint8_t> buf(dtype_row_bytes(dtype_nf4, 128));
    quantize_row(dtype_nf4, x.data(), buf.data(), 128);
    dequantize_row(dtype_nf4, buf.data(), y.data(), 128);
    for (size_t i = 0; i < x.size(); i++) EXPECT_NEAR(y[i], x[i], (i < 64 ? 1.0 : 3.0) * 0.17) << i;
}

}  // namespace
