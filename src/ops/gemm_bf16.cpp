#include "ops/gemm_bf16.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>

#include "core/error.h"
#include "core/half.h"
#include "core/uninit_vector.h"
#include "ops/parallel.h"

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#include <sys/syscall.h>
#include <unistd.h>
#define CLINOTE_TARGET_BF16 __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))
#define CLINOTE_TARGET_AMX __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16,amx-tile,amx-bf16")))
#endif

namespace clinote {
namespace {

constexpr int64_t panel_cols = 16;  // columns of one tile (and of one 512-bit vector of F32)
constexpr int64_t block = 32;       // an output block is 32 × 32: four 16 × 16 tiles
constexpr int64_t k_step = 32;      // BF16 values in one 64-byte tile row
// Rows of A and depth kept in L2 (128 × 512 BF16 = 128 KB) while B's panels pass by.
constexpr int64_t m_chunk = 128;
constexpr int64_t k_chunk = 512;

int64_t round_up(int64_t v, int64_t multiple) { return (v + multiple - 1) / multiple * multiple; }

constexpr int64_t tile_values = 16 * k_step;  // BF16 values of one 16 × 32 tile of A (bf16_tiles)

// One 32 × 32 block: c (+)= A[32 rows, n_k·32 deep] · (panels b0, b1); a0 and a1 are the
// tiles of the upper and lower 16 rows at the block's depth, as are the panels b0 and b1.
using block_kernel = void (*)(const uint16_t* a0, const uint16_t* a1, const uint16_t* b0, const uint16_t* b1,
                              int64_t n_k, float* c, int64_t ldc, bool accumulate);

void block_scalar(const uint16_t* a0, const uint16_t* a1, const uint16_t* b0, const uint16_t* b1, int64_t n_k,
                  float* c, int64_t ldc, bool accumulate) {
    for (int64_t r = 0; r < block; r++)
        for (int64_t j = 0; j < block; j++) {
            const uint16_t* a_row = (r < 16 ? a0 : a1) + (r % 16) * k_step;
            const uint16_t* panel = (j < panel_cols ? b0 : b1) + (j % panel_cols) * 2;
            float sum = accumulate ? c[r * ldc + j] : 0.0f;
            for (int64_t kk = 0; kk < n_k * k_step; kk += 2) {
                const uint16_t* a_pair = a_row + kk / k_step * tile_values + kk % k_step;
                const uint16_t* b_pair = panel + kk / 2 * 2 * panel_cols;
                sum += bf16_to_f32(a_pair[0]) * bf16_to_f32(b_pair[0]) + bf16_to_f32(a_pair[1]) * bf16_to_f32(b_pair[1]);
            }
            c[r * ldc + j] = sum;
        }
}

// Where value kk of a row lands among the row's tiles (`out` is the row's place in its first tile).
uint16_t* tile_slot(uint16_t* out, int64_t kk) { return out + kk / k_step * tile_values + kk % k_step; }

// A row of A (k values, or none past the last row) rounded to BF16 into its tiles, zeros up to k_pad.
void row_to_tiles_scalar(const float* x, int64_t k, int64_t k_pad, uint16_t* out) {
    for (int64_t kk = 0; kk < k_pad; kk++) *tile_slot(out, kk) = kk < k ? f32_to_bf16(x[kk]) : uint16_t(0);
}

#if defined(__x86_64__)
// The first n of 16 lanes (none for n <= 0).
__mmask16 first_lanes(int64_t n) { return __mmask16((1u << std::clamp<int64_t>(n, 0, 16)) - 1); }

CLINOTE_TARGET_BF16 void row_to_tiles_avx512(const float* x, int64_t k, int64_t k_pad, uint16_t* out) {
    for (int64_t kk = 0; kk < k_pad; kk += 16) {
        const __m512 v = _mm512_maskz_loadu_ps(first_lanes(k - kk), x + kk);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(tile_slot(out, kk)), (__m256i)_mm512_cvtneps_pbh(v));
    }
}

// The unpacks and lane shuffles with an all-lanes mask: GCC 12's plain forms pass an
// undefined vector through and warn (-Wmaybe-uninitialized) on it.
CLINOTE_TARGET_BF16 __m512i unpack_lo32(__m512i a, __m512i b) { return _mm512_maskz_unpacklo_epi32(0xffff, a, b); }
CLINOTE_TARGET_BF16 __m512i unpack_hi32(__m512i a, __m512i b) { return _mm512_maskz_unpackhi_epi32(0xffff, a, b); }
CLINOTE_TARGET_BF16 __m512i unpack_lo64(__m512i a, __m512i b) { return _mm512_maskz_unpacklo_epi64(0xff, a, b); }
CLINOTE_TARGET_BF16 __m512i unpack_hi64(__m512i a, __m512i b) { return _mm512_maskz_unpackhi_epi64(0xff, a, b); }
template <int lanes>
CLINOTE_TARGET_BF16 __m512i shuffle_lanes(__m512i a, __m512i b) { return _mm512_maskz_shuffle_i32x4(0xffff, a, b, lanes); }

// Lane j of v[i] becomes lane i of v[j]: 32-bit lanes, 16 × 16. Within each 128-bit lane
// first (4 × 4 blocks), then the 128-bit lanes themselves.
CLINOTE_TARGET_BF16 void transpose_16x16_epi32(__m512i v[16]) {
    __m512i t[16];
    for (int g = 0; g < 16; g += 4) {
        const __m512i t0 = unpack_lo32(v[g], v[g + 1]), t1 = unpack_hi32(v[g], v[g + 1]);
        const __m512i t2 = unpack_lo32(v[g + 2], v[g + 3]), t3 = unpack_hi32(v[g + 2], v[g + 3]);
        // t[g + c], lane L: column 4L + c of rows g .. g + 3
        t[g] = unpack_lo64(t0, t2);
        t[g + 1] = unpack_hi64(t0, t2);
        t[g + 2] = unpack_lo64(t1, t3);
        t[g + 3] = unpack_hi64(t1, t3);
    }
    for (int c = 0; c < 4; c++) {
        const __m512i a = shuffle_lanes<0x44>(t[c], t[4 + c]), b = shuffle_lanes<0xee>(t[c], t[4 + c]);
        const __m512i e = shuffle_lanes<0x44>(t[8 + c], t[12 + c]), f = shuffle_lanes<0xee>(t[8 + c], t[12 + c]);
        v[c] = shuffle_lanes<0x88>(a, e);
        v[4 + c] = shuffle_lanes<0xdd>(a, e);
        v[8 + c] = shuffle_lanes<0x88>(b, f);
        v[12 + c] = shuffle_lanes<0xdd>(b, f);
    }
}

// One panel (16 columns of B) of bf16_panels_pack with vector instructions. Transposed: the
// panel's columns are 16 rows of W, 32 values of each rounded into 16 pairs, then transposed
// so that a panel row holds pair i of every column. As is: two rows of W interleaved.
CLINOTE_TARGET_BF16 void panel_pack_avx512(const float* w, int64_t cols, bool transpose, int64_t k, int64_t n,
                                           int64_t col0, int64_t k_pad, uint16_t* panel) {
    const int64_t n_cols = std::min(panel_cols, n - col0);
    if (transpose) {
        for (int64_t kk = 0; kk < k_pad; kk += k_step) {
            __m512i v[16];
            for (int64_t j = 0; j < 16; j++) {
                if (j >= n_cols) {
                    v[j] = _mm512_setzero_si512();
                    continue;
                }
                const float* row = w + (col0 + j) * cols + kk;
                const __m512 lo = _mm512_maskz_loadu_ps(first_lanes(k - kk), row);
                const __m512 hi = _mm512_maskz_loadu_ps(first_lanes(k - kk - 16), row + 16);
                v[j] = (__m512i)_mm512_cvtne2ps_pbh(hi, lo);
            }
            transpose_16x16_epi32(v);
            for (int64_t i = 0; i < 16; i++) _mm512_storeu_si512(panel + (kk / 2 + i) * 2 * panel_cols, v[i]);
        }
        return;
    }
    const __m512i interleave = _mm512_set_epi16(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8, 23, 7,
                                                22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
    const __mmask16 lanes = first_lanes(n_cols);
    for (int64_t kk = 0; kk < k_pad; kk += 2) {
        const __m512 even = kk < k ? _mm512_maskz_loadu_ps(lanes, w + kk * cols + col0) : _mm512_setzero_ps();
        const __m512 odd = kk + 1 < k ? _mm512_maskz_loadu_ps(lanes, w + (kk + 1) * cols + col0) : _mm512_setzero_ps();
        const __m512i pairs = _mm512_permutexvar_epi16(interleave, (__m512i)_mm512_cvtne2ps_pbh(odd, even));
        _mm512_storeu_si512(panel + kk / 2 * 2 * panel_cols, pairs);
    }
}

// Tiles 0-3 hold the four 16 × 16 F32 quarters of the block, 4-5 two 16-row slices of A,
// 6-7 the two panels' 16 pair-rows: every tile is 16 rows of 64 bytes.
struct tile_config {
    uint8_t palette = 1, start_row = 0;
    uint8_t reserved[14] = {};
    uint16_t bytes_per_row[16] = {};
    uint8_t rows[16] = {};
};

CLINOTE_TARGET_AMX void amx_configure() {
    tile_config config;
    for (int t = 0; t < 8; t++) {
        config.rows[t] = 16;
        config.bytes_per_row[t] = 64;
    }
    _tile_loadconfig(&config);
}

CLINOTE_TARGET_AMX void amx_release() { _tile_release(); }

CLINOTE_TARGET_AMX void block_amx(const uint16_t* a0, const uint16_t* a1, const uint16_t* b0, const uint16_t* b1,
                                  int64_t n_k, float* c, int64_t ldc, bool accumulate) {
    const int64_t c_stride = ldc * int64_t(sizeof(float));
    float* c_low = c + panel_cols * ldc;
    if (accumulate) {
        _tile_loadd(0, c, c_stride);
        _tile_loadd(1, c + panel_cols, c_stride);
        _tile_loadd(2, c_low, c_stride);
        _tile_loadd(3, c_low + panel_cols, c_stride);
    } else {
        _tile_zero(0);
        _tile_zero(1);
        _tile_zero(2);
        _tile_zero(3);
    }
    for (int64_t s = 0; s < n_k; s++) {
        _tile_loadd(4, a0 + s * tile_values, 64);
        _tile_loadd(5, a1 + s * tile_values, 64);
        _tile_loadd(6, b0 + s * tile_values, 64);
        _tile_loadd(7, b1 + s * tile_values, 64);
        _tile_dpbf16ps(0, 4, 6);
        _tile_dpbf16ps(1, 4, 7);
        _tile_dpbf16ps(2, 5, 6);
        _tile_dpbf16ps(3, 5, 7);
    }
    _tile_stored(0, c, c_stride);
    _tile_stored(1, c + panel_cols, c_stride);
    _tile_stored(2, c_low, c_stride);
    _tile_stored(3, c_low + panel_cols, c_stride);
}

bool cpuid_bit(unsigned leaf, unsigned subleaf, int reg, int bit) {
    unsigned r[4];
    if (!__get_cpuid_count(leaf, subleaf, &r[0], &r[1], &r[2], &r[3])) return false;
    return (r[reg] >> bit) & 1;
}

// Linux hands out the 8 KB of AMX tile state only to processes that ask for it.
bool amx_permitted() {
    constexpr long arch_req_xcomp_perm = 0x1023, xfeature_xtiledata = 18;
    static const bool permitted = syscall(SYS_arch_prctl, arch_req_xcomp_perm, xfeature_xtiledata) == 0;
    return permitted;
}
#endif

block_kernel block_kernel_for(bf16_path p) {
#if defined(__x86_64__)
    if (p == bf16_path::amx) return block_amx;
#endif
    (void)p;
    return block_scalar;
}

void row_to_tiles(bf16_path p, const float* x, int64_t k, int64_t k_pad, uint16_t* out) {
#if defined(__x86_64__)
    if (p == bf16_path::amx) return row_to_tiles_avx512(x, k, k_pad, out);
#endif
    row_to_tiles_scalar(x, k, k_pad, out);
}

}  // namespace

const char* bf16_path_name(bf16_path p) {
    switch (p) {
        case bf16_path::scalar: return "scalar";
        case bf16_path::amx: return "amx";
    }
    return "?";
}

bool bf16_path_supported(bf16_path p) {
    if (p == bf16_path::scalar) return true;
#if defined(__x86_64__)
    // avx512f also checks that the OS saves the 512-bit registers; AVX512-BF16 (which
    // rounds A) is CPUID leaf 7.1 EAX bit 5, AMX-BF16 and AMX-TILE leaf 7.0 EDX bits 22 and 24.
    // Asked once: CPUID traps to the hypervisor in a virtual machine (microseconds).
    static const bool amx = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                            cpuid_bit(7, 1, 0, 5) && cpuid_bit(7, 0, 3, 22) && cpuid_bit(7, 0, 3, 24) &&
                            amx_permitted();
    return amx;
#else
    return false;
#endif
}

bf16_path bf16_path_select() {
    if (const char* env = std::getenv("CLINOTE_CPU"); env && (std::strcmp(env, "scalar") == 0 || std::strcmp(env, "avx2") == 0))
        return bf16_path::scalar;
    return bf16_path_supported(bf16_path::amx) ? bf16_path::amx : bf16_path::scalar;
}

static void path_check(bf16_path path) {
    if (!bf16_path_supported(path)) fail("gemm_bf16", std::string("this CPU has no ") + bf16_path_name(path) + " path");
}

bf16_panels bf16_panels_pack(bf16_path path, const float* w, int64_t rows, int64_t cols, bool transpose) {
    path_check(path);
    bf16_panels b;
    b.k = transpose ? cols : rows;
    b.n = transpose ? rows : cols;
    b.k_pad = round_up(b.k, k_step);
    b.n_pad = round_up(b.n, block);
    b.data.resize(size_t(b.n_pad * b.k_pad));
    ops_thread_pool().run(b.n_pad / panel_cols, 1, [&](int64_t p0, int64_t p1) {
        for (int64_t p = p0; p < p1; p++) {
            uint16_t* panel = b.data.data() + p * b.k_pad * panel_cols;
#if defined(__x86_64__)
            if (path == bf16_path::amx) {
                panel_pack_avx512(w, cols, transpose, b.k, b.n, p * panel_cols, b.k_pad, panel);
                continue;
            }
#endif
            std::fill(panel, panel + b.k_pad * panel_cols, uint16_t(0));
            const int64_t n_cols = std::max<int64_t>(0, std::min(panel_cols, b.n - p * panel_cols));
            for (int64_t kk = 0; kk < b.k; kk++)
                for (int64_t j = 0; j < n_cols; j++) {
                    const int64_t col = p * panel_cols + j;
                    const float v = transpose ? w[col * cols + kk] : w[kk * cols + col];
                    panel[(kk / 2 * panel_cols + j) * 2 + kk % 2] = f32_to_bf16(v);
                }
        }
    });
    return b;
}

bf16_tiles bf16_tiles_pack(bf16_path path, const float* a, int64_t m, int64_t lda, int64_t k) {
    path_check(path);
    bf16_tiles t;
    t.m = m;
    t.k = k;
    t.m_pad = round_up(m, block);
    t.k_pad = round_up(k, k_step);
    t.data.resize(size_t(t.m_pad * t.k_pad));
    const int64_t k_tiles = t.k_pad / k_step;
    ops_thread_pool().run(t.m_pad, 16, [&](int64_t r0, int64_t r1) {
        for (int64_t r = r0; r < r1; r++)
            row_to_tiles(path, a + r * lda, r < m ? k : 0, t.k_pad,
                         t.data.data() + (r / 16 * k_tiles) * tile_values + r % 16 * k_step);
    });
    return t;
}

void gemm_bf16(bf16_path path, const float* a, int64_t m, int64_t lda, const bf16_panels& b, float* c, int64_t ldc,
               bool accumulate) {
    if (m <= 0 || b.n <= 0) return;
    gemm_bf16_tiles(path, bf16_tiles_pack(path, a, m, lda, b.k), b, c, ldc, accumulate);
}

void gemm_bf16_tiles(bf16_path path, const bf16_tiles& a, const bf16_panels& b, float* c, int64_t ldc, bool accumulate) {
    if (a.m <= 0 || b.n <= 0) return;
    path_check(path);
    if (a.k != b.k) fail("gemm_bf16", "A is " + std::to_string(a.k) + " deep but B " + std::to_string(b.k));
    const int64_t m = a.m, m_pad = a.m_pad, k_pad = b.k_pad, k_tiles = k_pad / k_step;
    const block_kernel kernel = block_kernel_for(path);
    // Work items: (chunk of A's rows, 32-column block of C), a chunk's blocks consecutive, so
    // a thread's range reuses the chunk from L2; one contiguous range per thread.
    const int64_t n_blocks = b.n_pad / block, n_chunks = (m_pad + m_chunk - 1) / m_chunk;
    thread_pool& pool = ops_thread_pool();
    const int64_t n_items = n_chunks * n_blocks;
    pool.run(n_items, (n_items + pool.size() - 1) / pool.size(), [&](int64_t item0, int64_t item1) {
#if defined(__x86_64__)
        if (path == bf16_path::amx) amx_configure();
#endif
        float edge[block * block];
        for (int64_t item = item0; item < item1; item++) {
            const int64_t i0 = item / n_blocks * m_chunk, i_end = std::min(i0 + m_chunk, m_pad), j = item % n_blocks;
            const int64_t col = j * block, n_cols = std::min(block, b.n - col);
            for (int64_t k0 = 0; k0 < k_pad; k0 += k_chunk) {
                const int64_t n_k = std::min(k_chunk, k_pad - k0) / k_step;
                const bool acc = accumulate || k0 > 0;
                const uint16_t* b0 = b.data.data() + 2 * j * k_pad * panel_cols + k0 * panel_cols;
                const uint16_t* b1 = b0 + k_pad * panel_cols;
                for (int64_t i = i0; i < i_end; i += block) {
                    const uint16_t* a0 = a.data.data() + (i / 16 * k_tiles + k0 / k_step) * tile_values;
                    const uint16_t* a1 = a0 + k_tiles * tile_values;
                    const int64_t n_rows = std::min(block, m - i);
                    if (n_rows == block && n_cols == block) {
                        kernel(a0, a1, b0, b1, n_k, c + i * ldc + col, ldc, acc);
                        continue;
                    }
                    // A block over the edge of C goes through a full-size copy.
                    std::fill(edge, edge + block * block, 0.0f);
                    for (int64_t r = 0; acc && r < n_rows; r++)
                        std::copy_n(c + (i + r) * ldc + col, n_cols, edge + r * block);
                    kernel(a0, a1, b0, b1, n_k, edge, block, true);
                    for (int64_t r = 0; r < n_rows; r++) std::copy_n(edge + r * block, n_cols, c + (i + r) * ldc + col);
                }
            }
        }
#if defined(__x86_64__)
        if (path == bf16_path::amx) amx_release();
#endif
    });
}

}  // namespace clinote
