// The AVX2 + FMA path (Haswell and later, Zen).
#if defined(__x86_64__)
#define CLINOTE_SIMD_TARGET __attribute__((target("avx2,fma,f16c")))
#define CLINOTE_SIMD_VNNI 0
#define CLINOTE_SIMD_TABLE vec_dot_kernels_avx2
#include "quant/vec_dot_x86.h"
#else
#include "quant/vec_dot_paths.h"

// Not an x86 CPU: cpu_path_select never picks this path; the scalar kernels stand in.
const clinote::vec_dot_kernels* clinote::vec_dot_kernels_avx2(clinote::dtype weight) {
    return clinote::vec_dot_kernels_scalar(weight);
}
#endif
