#include "quant/nf4.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>

#include "core/error.h"

// bitsandbytes rounds code8 · absmax2 to F32 before adding the offset: no fused multiply-add.
#if defined(__clang__)
#pragma clang fp contract(off)
#elif defined(__GNUC__)
#pragma GCC optimize("fp-contract=off")
#endif

namespace clinote {

const float nf4_code[16] = {
    -1.0f, -0.6961928009986877f, -0.5250730514526367f, -0.39491748809814453f,
    -0.28444138169288635f, -0.18477343022823334f, -0.09105003625154495f, 0.0f,
    0.07958029955625534f, 0.16093020141124725f, 0.24611230194568634f, 0.33791524171829224f,
    0.44070982933044434f, 0.5626170039176941f, 0.7229568362236023f, 1.0f,
};

// The values bitsandbytes' create_dynamic_map(signed=True, max_exponent_bits=7, total_bits=8)
// returns (exactly, as F32), sorted.
const float nf4_absmax_code[256] = {
    -0x1.fc66660000000p-1f, -0x1.f533340000000p-1f, -0x1.ee00000000000p-1f, -0x1.e6cccc0000000p-1f,
    -0x1.df999a0000000p-1f, -0x1.d866660000000p-1f, -0x1.d133340000000p-1f, -0x1.ca00000000000p-1f,
    -0x1.c2cccc0000000p-1f, -0x1.bb999a0000000p-1f, -0x1.b466660000000p-1f, -0x1.ad33340000000p-1f,
    -0x1.a600000000000p-1f, -0x1.9ecccc0000000p-1f, -0x1.97999a0000000p-1f, -0x1.9066660000000p-1f,
    -0x1.8933340000000p-1f, -0x1.8200000000000p-1f, -0x1.7acccc0000000p-1f, -0x1.73999a0000000p-1f,
    -0x1.6c66680000000p-1f, -0x1.6533340000000p-1f, -0x1.5e00000000000p-1f, -0x1.56cccc0000000p-1f,
    -0x1.4f999a0000000p-1f, -0x1.4866680000000p-1f, -0x1.4133340000000p-1f, -0x1.3a00000000000p-1f,
    -0x1.32cccc0000000p-1f, -0x1.2b999a0000000p-1f, -0x1.2466680000000p-1f, -0x1.1d33340000000p-1f,
    -0x1.1600000000000p-1f, -0x1.0ecccc0000000p-1f, -0x1.0799980000000p-1f, -0x1.0066660000000p-1f,
    -0x1.f266640000000p-2f, -0x1.e400000000000p-2f, -0x1.d599980000000p-2f, -0x1.c733340000000p-2f,
    -0x1.b8cccc0000000p-2f, -0x1.aa66660000000p-2f, -0x1.9c00000000000p-2f, -0x1.8d99980000000p-2f,
    -0x1.7f33340000000p-2f, -0x1.70cccc0000000p-2f, -0x1.6266660000000p-2f, -0x1.5400000000000p-2f,
    -0x1.4599980000000p-2f, -0x1.3733340000000p-2f, -0x1.28cccc0000000p-2f, -0x1.1a66680000000p-2f,
    -0x1.0c00000000000p-2f, -0x1.fb33320000000p-3f, -0x1.de66660000000p-3f, -0x1.c1999a0000000p-3f,
    -0x1.a4cccc0000000p-3f, -0x1.8800000000000p-3f, -0x1.6b33340000000p-3f, -0x1.4e66660000000p-3f,
    -0x1.31999a0000000p-3f, -0x1.14cccc0000000p-3f, -0x1.f000000000000p-4f, -0x1.b666680000000p-4f,
    -0x1.93d70a0000000p-4f, -0x1.8851ee0000000p-4f, -0x1.7cccce0000000p-4f, -0x1.7147ae0000000p-4f,
    -0x1.65c2900000000p-4f, -0x1.5a3d700000000p-4f, -0x1.4eb8540000000p-4f, -0x1.4333340000000p-4f,
    -0x1.37ae140000000p-4f, -0x1.2c28f60000000p-4f, -0x1.20a3d60000000p-4f, -0x1.151eba0000000p-4f,
    -0x1.09999a0000000p-4f, -0x1.fc28f60000000p-5f, -0x1.e51eba0000000p-5f, -0x1.ce147a0000000p-5f,
    -0x1.b70a3e0000000p-5f, -0x1.a000000000000p-5f, -0x1.88f5c20000000p-5f, -0x1.71eb860000000p-5f,
    -0x1.5ae1460000000p-5f, -0x1.43d70a0000000p-5f, -0x1.2cccce0000000p-5f, -0x1.15c2900000000p-5f,
    -0x1.fd70a40000000p-6f, -0x1.cf5c2a0000000p-6f, -0x1.a147ae0000000p-6f, -0x1.7333340000000p-6f,
    -0x1.451eba0000000p-6f, -0x1.170a3e0000000p-6f, -0x1.d1eb860000000p-7f, -0x1.75c2900000000p-7f,
    -0x1.3e76c80000000p-7f, -0x1.2c08300000000p-7f, -0x1.19999a0000000p-7f, -0x1.072b020000000p-7f,
    -0x1.e978d40000000p-8f, -0x1.c49ba60000000p-8f, -0x1.9fbe760000000p-8f, -0x1.7ae1480000000p-8f,
    -0x1.56041a0000000p-8f, -0x1.3126e80000000p-8f, -0x1.0c49ba0000000p-8f, -0x1.ced9140000000p-9f,
    -0x1.851eb80000000p-9f, -0x1.3b645a0000000p-9f, -0x1.e353f80000000p-10f, -0x1.4fdf3a0000000p-10f,
    -0x1.eecbfe0000000p-11f, -0x1.b3d07c0000000p-11f, -0x1.78d5000000000p-11f, -0x1.3dd9820000000p-11f,
    -0x1.02de020000000p-11f, -0x1.8fc5060000000p-12f, -0x1.19ce0a0000000p-12f, -0x1.47ae160000000p-13f,
    -0x1.743e960000000p-14f, -0x1.15df660000000p-14f, -0x1.6f00680000000p-15f, -0x1.64840c0000000p-16f,
    -0x1.040bfe0000000p-17f, -0x1.b435280000000p-19f, -0x1.27476e0000000p-21f, 0x0.0p+0f,
    0x1.27476e0000000p-21f, 0x1.b435280000000p-19f, 0x1.040bfe0000000p-17f, 0x1.64840c0000000p-16f,
    0x1.6f00680000000p-15f, 0x1.15df660000000p-14f, 0x1.743e960000000p-14f, 0x1.47ae160000000p-13f,
    0x1.19ce0a0000000p-12f, 0x1.8fc5060000000p-12f, 0x1.02de020000000p-11f, 0x1.3dd9820000000p-11f,
    0x1.78d5000000000p-11f, 0x1.b3d07c0000000p-11f, 0x1.eecbfe0000000p-11f, 0x1.4fdf3a0000000p-10f,
    0x1.e353f80000000p-10f, 0x1.3b645a0000000p-9f, 0x1.851eb80000000p-9f, 0x1.ced9140000000p-9f,
    0x1.0c49ba0000000p-8f, 0x1.3126e80000000p-8f, 0x1.56041a0000000p-8f, 0x1.7ae1480000000p-8f,
    0x1.9fbe760000000p-8f, 0x1.c49ba60000000p-8f, 0x1.e978d40000000p-8f, 0x1.072b020000000p-7f,
    0x1.19999a0000000p-7f, 0x1.2c08300000000p-7f, 0x1.3e76c80000000p-7f, 0x1.75c2900000000p-7f,
    0x1.d1eb860000000p-7f, 0x1.170a3e0000000p-6f, 0x1.451eba0000000p-6f, 0x1.7333340000000p-6f,
    0x1.a147ae0000000p-6f, 0x1.cf5c2a0000000p-6f, 0x1.fd70a40000000p-6f, 0x1.15c2900000000p-5f,
    0x1.2cccce0000000p-5f, 0x1.43d70a0000000p-5f, 0x1.5ae1460000000p-5f, 0x1.71eb860000000p-5f,
    0x1.88f5c20000000p-5f, 0x1.a000000000000p-5f, 0x1.b70a3e0000000p-5f, 0x1.ce147a0000000p-5f,
    0x1.e51eba0000000p-5f, 0x1.fc28f60000000p-5f, 0x1.09999a0000000p-4f, 0x1.151eba0000000p-4f,
    0x1.20a3d60000000p-4f, 0x1.2c28f60000000p-4f, 0x1.37ae140000000p-4f, 0x1.4333340000000p-4f,
    0x1.4eb8540000000p-4f, 0x1.5a3d700000000p-4f, 0x1.65c2900000000p-4f, 0x1.7147ae0000000p-4f,
    0x1.7cccce0000000p-4f, 0x1.8851ee0000000p-4f, 0x1.93d70a0000000p-4f, 0x1.b666680000000p-4f,
    0x1.f000000000000p-4f, 0x1.14cccc0000000p-3f, 0x1.31999a0000000p-3f, 0x1.4e66660000000p-3f,
    0x1.6b33340000000p-3f, 0x1.8800000000000p-3f, 0x1.a4cccc0000000p-3f, 0x1.c1999a0000000p-3f,
    0x1.de66660000000p-3f, 0x1.fb33320000000p-3f, 0x1.0c00000000000p-2f, 0x1.1a66680000000p-2f,
    0x1.28cccc0000000p-2f, 0x1.3733340000000p-2f, 0x1.4599980000000p-2f, 0x1.5400000000000p-2f,
    0x1.6266660000000p-2f, 0x1.70cccc0000000p-2f, 0x1.7f33340000000p-2f, 0x1.8d99980000000p-2f,
    0x1.9c00000000000p-2f, 0x1.aa66660000000p-2f, 0x1.b8cccc0000000p-2f, 0x1.c733340000000p-2f,
    0x1.d599980000000p-2f, 0x1.e400000000000p-2f, 0x1.f266640000000p-2f, 0x1.0066660000000p-1f,
    0x1.0799980000000p-1f, 0x1.0ecccc0000000p-1f, 0x1.1600000000000p-1f, 0x1.1d33340000000p-1f,
    0x1.2466680000000p-1f, 0x1.2b999a0000000p-1f, 0x1.32cccc0000000p-1f, 0x1.3a00000000000p-1f,
    0x1.4133340000000p-1f, 0x1.4866680000000p-1f, 0x1.4f999a0000000p-1f, 0x1.56cccc0000000p-1f,
    0x1.5e00000000000p-1f, 0x1.6533340000000p-1f, 0x1.6c66680000000p-1f, 0x1.73999a0000000p-1f,
    0x1.7acccc0000000p-1f, 0x1.8200000000000p-1f, 0x1.8933340000000p-1f, 0x1.9066660000000p-1f,
    0x1.97999a0000000p-1f, 0x1.9ecccc0000000p-1f, 0x1.a600000000000p-1f, 0x1.ad33340000000p-1f,
    0x1.b466660000000p-1f, 0x1.bb999a0000000p-1f, 0x1.c2cccc0000000p-1f, 0x1.ca00000000000p-1f,
    0x1.d133340000000p-1f, 0x1.d866660000000p-1f, 0x1.df999a0000000p-1f, 0x1.e6cccc0000000p-1f,
    0x1.ee00000000000p-1f, 0x1.f533340000000p-1f, 0x1.fc66660000000p-1f, 0x1.0000000000000p+0f,
};

namespace {

// bitsandbytes' 4-bit quantiser: x · (1 / absmax) clamped to [-1, 1], then the number of
// midpoints between neighbouring code values strictly below it (torch.bucketize).
uint8_t nf4_index(float scaled) {
    static const auto midpoints = [] {
        std::array<float, 15> m{};
        for (int i = 0; i < 15; i++) m[size_t(i)] = (nf4_code[i] + nf4_code[i + 1]) / 2.0f;
        return m;
    }();
    return uint8_t(std::lower_bound(midpoints.begin(), midpoints.end(), scaled) - midpoints.begin());
}

// bitsandbytes' CPU 8-bit blockwise quantiser (quantize_cpu): v / absmax, the code value at
// or below it found by binary search (with code[0] taken as -1), moved up one when the next
// value is strictly closer.
uint8_t absmax_index(float normed) {
    static const auto search = [] {
        std::array<float, 256> c{};
        std::copy(nf4_absmax_code, nf4_absmax_code + 256, c.begin());
        c[0] = -1.0f;
        return c;
    }();
    int idx = int(std::upper_bound(search.begin(), search.end(), normed) - search.begin()) - 1;
    idx = std::clamp(idx, 0, 255);
    if (idx < 255 && std::fabs(normed - search[size_t(idx) + 1]) < std::fabs(normed - search[size_t(idx)])) idx++;
    return uint8_t(idx);
}

void check_blocks(int64_t n) {
    if (n <= 0 || n % nf4_block != 0)
        fail("NF4", std::to_string(n) + " values are not a whole number of blocks of " + std::to_string(nf4_block));
}

}  // namespace

nf4_quantized nf4_quantize(const float* x, int64_t n) {
    check_blocks(n);
    const int64_t n_blocks = n / nf4_block, n_groups = (n_blocks + nf4_block2 - 1) / nf4_block2;
    nf4_quantized q;
    q.packed.assign(size_t(n / 2), 0);
    std::vector<float> absmax(static_cast<size_t>(n_blocks));
    for (int64_t b = 0; b < n_blocks; b++) {
        const float* v = x + b * nf4_block;
        float am = 0.0f;
        for (int64_t i = 0; i < nf4_block; i++) am = std::max(am, std::fabs(v[i]));
        absmax[size_t(b)] = am;
        const float inv = 1.0f / std::max(am, 1e-38f);
        for (int64_t i = 0; i < nf4_block; i++) {
            const uint8_t idx = nf4_index(std::clamp(v[i] * inv, -1.0f, 1.0f));
            uint8_t& byte = q.packed[size_t((b * nf4_block + i) / 2)];
            byte = uint8_t(i % 2 == 0 ? byte | (idx << 4) : byte | idx);
        }
    }
    double sum = 0;  // torch's float mean sums in a different order: at most an ulp apart
    for (float am : absmax) sum += am;
    q.offset = float(sum / double(n_blocks));
    q.absmax_codes.resize(size_t(n_blocks));
    q.absmax2.resize(size_t(n_groups));
    for (int64_t g = 0; g < n_groups; g++) {
        const int64_t b0 = g * nf4_block2, b1 = std::min(n_blocks, b0 + nf4_block2);
        float am2 = -3.402823466e38f;
        for (int64_t b = b0; b < b1; b++) am2 = std::max(am2, std::fabs(absmax[size_t(b)] - q.offset));
        q.absmax2[size_t(g)] = am2;
        for (int64_t b = b0; b < b1; b++) q.absmax_codes[size_t(b)] = absmax_index((absmax[size_t(b)] - q.offset) / am2);
    }
    return q;
}

int64_t nf4_row_groups(int64_t n) { return (n / nf4_block + nf4_block2 - 2) / nf4_block2 + 1; }

size_t nf4_row_bytes(int64_t n) {
    check_blocks(n);
    return size_t(8 + 4 * nf4_row_groups(n) + n / nf4_block + n / 2);
}

void nf4_pack_rows(const nf4_quantized& q, int64_t rows, int64_t cols, uint8_t* dst) {
    check_blocks(cols);
    const int64_t blocks_per_row = cols / nf4_block, groups = nf4_row_groups(cols);
    const size_t row_bytes = nf4_row_bytes(cols);
    if (int64_t(q.packed.size()) != rows * cols / 2) fail("NF4", "quantised data does not match the matrix shape");
    for (int64_t r = 0; r < rows; r++) {
        uint8_t* p = dst + size_t(r) * row_bytes;
        const int64_t first_block = r * blocks_per_row, first_group = first_block / nf4_block2;
        const uint32_t first_in_group = uint32_t(first_block % nf4_block2);
        std::memcpy(p, &q.offset, 4);
        std::memcpy(p + 4, &first_in_group, 4);
        for (int64_t g = 0; g < groups; g++) {
            const float am2 = first_group + g < int64_t(q.absmax2.size()) ? q.absmax2[size_t(first_group + g)] : 0.0f;
            std::memcpy(p + 8 + 4 * g, &am2, 4);
        }
        p += 8 + 4 * groups;
        std::memcpy(p, &q.absmax_codes[size_t(first_block)], size_t(blocks_per_row));
        std::memcpy(p + blocks_per_row, &q.packed[size_t(r * cols / 2)], size_t(cols / 2));
    }
}

std::vector<uint8_t> nf4_quantize_matrix(const float* x, int64_t rows, int64_t cols) {
    const nf4_quantized q = nf4_quantize(x, rows * cols);
    std::vector<uint8_t> out(nf4_row_bytes(cols) * size_t(rows));
    nf4_pack_rows(q, rows, cols, out.data());
    return out;
}

void dequantize_row_nf4(const void* src, float* dst, int64_t n) {
    const uint8_t* p = static_cast<const uint8_t*>(src);
    const int64_t blocks = n / nf4_block, groups = nf4_row_groups(n);
    float offset;
    uint32_t first_in_group;
    std::memcpy(&offset, p, 4);
    std::memcpy(&first_in_group, p + 4, 4);
    const uint8_t* codes = p + 8 + 4 * groups;
    const uint8_t* packed = codes + blocks;
    for (int64_t b = 0; b < blocks; b++) {
        float am2;
        std::memcpy(&am2, p + 8 + 4 * ((first_in_group + b) / nf4_block2), 4);
        const float absmax = nf4_absmax_code[codes[b]] * am2 + offset;
        for (int64_t i = 0; i < nf4_block; i += 2) {
            const uint8_t byte = packed[(b * nf4_block + i) / 2];
            dst[b * nf4_block + i] = nf4_code[byte >> 4] * absmax;
            dst[b * nf4_block + i + 1] = nf4_code[byte & 0x0F] * absmax;
        }
    }
}

void quantize_row_nf4(const float* src, void* dst, int64_t n) {
    nf4_pack_rows(nf4_quantize(src, n), 1, n, static_cast<uint8_t*>(dst));
}

}  // namespace clinote
