// The table of supported types and the dispatch from a dtype to its row kernels.
#include "quant/quant.h"

#include <strings.h>

#include "core/error.h"
#include "quant/formats.h"
#include "quant/nf4.h"

namespace clinote {

namespace {

struct dtype_traits {
    dtype type;
    const char* name;
    int64_t block_size;
    size_t block_bytes;
    void (*dequantize)(const void*, float*, int64_t);
    void (*quantize)(const float*, void*, int64_t);  // null: clinote does not write this type
};

constexpr dtype_traits traits_table[] = {
    {dtype::f32, "F32", 1, 4, dequantize_row_f32, quantize_row_f32},
    {dtype::f16, "F16", 1, 2, dequantize_row_f16, quantize_row_f16},
    {dtype::bf16, "BF16", 1, 2, dequantize_row_bf16, quantize_row_bf16},
    {dtype::q8_0, "Q8_0", 32, 34, dequantize_row_q8_0, quantize_row_q8_0},
    {dtype::q4_0, "Q4_0", 32, 18, dequantize_row_q4_0, quantize_row_q4_0},
    {dtype::q4_1, "Q4_1", 32, 20, dequantize_row_q4_1, quantize_row_q4_1},
    {dtype::q5_0, "Q5_0", 32, 22, dequantize_row_q5_0, nullptr},
    {dtype::q5_1, "Q5_1", 32, 24, dequantize_row_q5_1, nullptr},
    {dtype::q2_k, "Q2_K", 256, 84, dequantize_row_q2_k, nullptr},
    {dtype::q3_k, "Q3_K", 256, 110, dequantize_row_q3_k, nullptr},
    {dtype::q4_k, "Q4_K", 256, 144, dequantize_row_q4_k, nullptr},
    {dtype::q5_k, "Q5_K", 256, 176, dequantize_row_q5_k, nullptr},
    {dtype::q6_k, "Q6_K", 256, 210, dequantize_row_q6_k, nullptr},
    // Row records, not fixed-size blocks: dtype_row_bytes asks nf4_row_bytes.
    {dtype_nf4, "NF4", nf4_block, 0, dequantize_row_nf4, quantize_row_nf4},
};

const dtype_traits* find_traits(uint32_t id) {
    for (const auto& t : traits_table)
        if (uint32_t(t.type) == id) return &t;
    return nullptr;
}

const dtype_traits& traits(dtype t) {
    const dtype_traits* tr = find_traits(uint32_t(t));
    if (!tr) fail("dtype", "unsupported tensor type id " + std::to_string(uint32_t(t)));
    return *tr;
}

void check_whole_blocks(const dtype_traits& tr, int64_t n) {
    if (n < 0 || n % tr.block_size != 0)
        fail(tr.name, "a row of " + std::to_string(n) + " values is not a whole number of blocks of " +
                          std::to_string(tr.block_size));
}

}  // namespace

const char* dtype_name(dtype t) {
    const dtype_traits* tr = find_traits(uint32_t(t));
    return tr ? tr->name : "unknown";
}

bool dtype_from_name(const std::string& name, dtype* out) {
    for (const auto& t : traits_table) {
        if (strcasecmp(name.c_str(), t.name) == 0) {
            *out = t.type;
            return true;
        }
    }
    return false;
}

bool dtype_is_known(uint32_t ggml_type_id) {
    return ggml_type_id != uint32_t(dtype_nf4) && find_traits(ggml_type_id) != nullptr;
}

int64_t dtype_block_size(dtype t) { return traits(t).block_size; }

size_t dtype_block_bytes(dtype t) { return traits(t).block_bytes; }

size_t dtype_row_bytes(dtype t, int64_t n) {
    const dtype_traits& tr = traits(t);
    check_whole_blocks(tr, n);
    if (t == dtype_nf4) return nf4_row_bytes(n);
    return size_t(n / tr.block_size) * tr.block_bytes;
}

void dequantize_row(dtype t, const void* src, float* dst, int64_t n) {
    const dtype_traits& tr = traits(t);
    check_whole_blocks(tr, n);
    tr.dequantize(src, dst, n);
}

bool dtype_can_quantize(dtype t) {
    const dtype_traits* tr = find_traits(uint32_t(t));
    return tr && tr->quantize;
}

void quantize_row(dtype t, const float* src, void* dst, int64_t n) {
    const dtype_traits& tr = traits(t);
    if (!tr.quantize) fail(tr.name, "quantising to this type is not supported");
    check_whole_blocks(tr, n);
    tr.quantize(src, dst, n);
}

}  // namespace clinote
