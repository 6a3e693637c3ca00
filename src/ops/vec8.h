// Eight float lanes through GCC/Clang vector extensions: AVX with -march=native, SSE pairs
// or scalars elsewhere, from one source. For loops the auto-vectoriser leaves scalar.
#pragma once
#include <cstdint>
#include <cstring>

#if defined(__F16C__)
#include <immintrin.h>
#endif

#include "core/half.h"

namespace clinote {

using f32x8 = float __attribute__((vector_size(32)));
using i32x8 = int32_t __attribute__((vector_size(32)));

inline f32x8 load8(const float* p) {
    f32x8 v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

// Eight halves widened to floats: one instruction with F16C.
inline f32x8 load8(const uint16_t* p) {
#if defined(__F16C__)
    return f32x8(_mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))));
#else
    f32x8 v;
    for (int i = 0; i < 8; i++) v[i] = f16_to_f32(p[i]);
    return v;
#endif
}

inline void store8(float* p, f32x8 v) { std::memcpy(p, &v, sizeof v); }

inline f32x8 splat8(float x) { return f32x8{} + x; }

}  // namespace clinote
