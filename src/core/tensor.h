// A typed, shaped view of weights that live elsewhere (a memory-mapped file or a buffer).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace clinote {

// Values are GGML's type ids, so GGUF files can be read without a lookup table.
enum class dtype : uint32_t {
    f32 = 0,
    f16 = 1,
    q4_0 = 2,
    q4_1 = 3,
    q5_0 = 6,
    q5_1 = 7,
    q8_0 = 8,
    q2_k = 10,
    q3_k = 11,
    q4_k = 12,
    q5_k = 13,
    q6_k = 14,
    bf16 = 30,
};

struct tensor_view {
    std::string name;
    dtype type = dtype::f32;
    // Row-major, outermost first, as PyTorch writes it: a Linear weight is {out, in},
    // every row of `in` values stored contiguously (GGUF's ne[] order reversed).
    std::vector<int64_t> shape;
    const void* data = nullptr;
    size_t nbytes = 0;

    int64_t numel() const {
        int64_t n = 1;
        for (int64_t d : shape) n *= d;
        return n;
    }
    int64_t rows() const { return shape.empty() ? 1 : shape.back() == 0 ? 0 : numel() / shape.back(); }
    int64_t cols() const { return shape.empty() ? 1 : shape.back(); }
};

// "[576, 49152]", as errors name a shape.
inline std::string shape_to_string(const std::vector<int64_t>& s) {
    std::string out = "[";
    for (size_t i = 0; i < s.size(); i++) out += (i ? ", " : "") + std::to_string(s[i]);
    return out + "]";
}

}  // namespace clinote
