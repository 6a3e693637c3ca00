// The AVX-512 VNNI path (Cascade Lake, Ice Lake and later, Zen 4): bytes are multiplied
#if defined(__x86_64__)
// and summed into int32 in one VPDPBUSD, on 256-bit vectors (AVX512VL), as the blocks are
// 32 bytes wide.
#define CLINOTE_SIMD_TARGET __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512vnni")))
#define CLINOTE_SIMD_VNNI 1
#define CLINOTE_SIMD_TABLE vec_dot_kernels_avx512
#include "quant/vec_dot_x86.h"
#else
#include "quant/vec_dot_paths.h"

// Not an x86 CPU: cpu_path_select never picks this path; the scalar kernels stand in.
const clinote::vec_dot_kernels* clinote::vec_dot_kernels_avx512(clinote::dtype weight) {
    return clinote::vec_dot_kernels_scalar(weight);
}
#endif
