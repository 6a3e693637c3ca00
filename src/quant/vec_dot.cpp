// Choosing the instruction-set path: what the CPU offers, or what CLINOTE_CPU forces.
#include "quant/vec_dot.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include <cstdlib>
#include <cstring>
#include <string>

#include "core/error.h"
#include "quant/vec_dot_paths.h"

namespace clinote {

const char* cpu_path_name(cpu_path p) {
    switch (p) {
        case cpu_path::scalar: return "scalar";
        case cpu_path::avx2: return "avx2";
        case cpu_path::avx512: return "avx512";
    }
    return "?";
}

bool cpu_has_f16c() {
#if defined(__x86_64__) || defined(__i386__)
    // CPUID's F16C bit: clang 14 (the sanitizer and fuzz builds) does not know
    // __builtin_cpu_supports("f16c"); "avx" checks that the OS saves the YMM state.
    unsigned a, b, c, d;
    return __builtin_cpu_supports("avx") && __get_cpuid(1, &a, &b, &c, &d) && (c & bit_F16C);
#else
    return false;
#endif
}

bool cpu_path_supported(cpu_path p) {
#if defined(__x86_64__) || defined(__i386__)
    // __builtin_cpu_supports also checks that the OS saves the wider registers (XCR0).
    switch (p) {
        case cpu_path::scalar: return true;
        case cpu_path::avx2:
            return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && cpu_has_f16c();
        case cpu_path::avx512:
            return cpu_path_supported(cpu_path::avx2) && __builtin_cpu_supports("avx512f") &&
                   __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
                   __builtin_cpu_supports("avx512vnni");
    }
    return false;
#else
    return p == cpu_path::scalar;
#endif
}

cpu_path cpu_path_select() {
    cpu_path want = cpu_path::avx512;
    if (const char* env = std::getenv("CLINOTE_CPU"); env && *env) {
        if (std::strcmp(env, "scalar") == 0) want = cpu_path::scalar;
        else if (std::strcmp(env, "avx2") == 0) want = cpu_path::avx2;
        else if (std::strcmp(env, "avx512") == 0) want = cpu_path::avx512;
        else fail("CLINOTE_CPU", "unknown path '" + std::string(env) + "' (scalar, avx2 or avx512)");
    }
    while (want != cpu_path::scalar && !cpu_path_supported(want)) want = cpu_path(int(want) - 1);
    return want;
}

const vec_dot_kernels* vec_dot_kernels_for(dtype weight, cpu_path path) {
    switch (path) {
        case cpu_path::avx512: return vec_dot_kernels_avx512(weight);
        case cpu_path::avx2: return vec_dot_kernels_avx2(weight);
        case cpu_path::scalar: break;
    }
    return vec_dot_kernels_scalar(weight);
}

}  // namespace clinote
