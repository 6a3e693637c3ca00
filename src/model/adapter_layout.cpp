#include "model/adapter_layout.h"

#include <cstring>

#include "core/error.h"
#include "quant/quant.h"

namespace clinote {

const char* lora_target_gguf_name(lora_target t) {
    switch (t) {
        case lora_target::q: return "attn_q";
        case lora_target::k: return "attn_k";
        case lora_target::v: return "attn_v";
        case lora_target::o: return "attn_output";
        case lora_target::gate: return "ffn_gate";
        case lora_target::up: return "ffn_up";
        case lora_target::down: return "ffn_down";
    }
    return "?";
}

bool lora_target_from_name(const std::string& name, lora_target* out) {
    for (int i = 0; i < lora_target_count; i++) {
        if (name == lora_target_name(lora_target(i))) {
            *out = lora_target(i);
            return true;
        }
    }
    return false;
}

const char* lora_target_hf_parent(lora_target t) {
    return t == lora_target::q || t == lora_target::k || t == lora_target::v || t == lora_target::o ? "self_attn"
                                                                                                      : "mlp";
}

bool model_qk_rows_permuted(const model& m) { return m.config.rope == rope_layout::interleaved; }

qk_row_order gguf_qk_row_order(const model& m) {
    return m.config.arch == model_arch::llama ? qk_row_order::llama_cpp : qk_row_order::hugging_face;
}

namespace {

// llama.cpp's permutation of q/k rows within each head: Hugging Face row j·(d/2) + i
// (half j, frequency i) becomes row 2i + j, so that rotated pairs are adjacent.
void permute_heads(std::vector<float>& b, int64_t rank, int n_head, bool to_llama_cpp) {
    const int64_t rows = int64_t(b.size()) / rank, head_dim = rows / n_head, half = head_dim / 2;
    std::vector<float> out(b.size());
    for (int64_t h = 0; h < n_head; h++)
        for (int64_t i = 0; i < half; i++)
            for (int64_t j = 0; j < 2; j++) {
                const int64_t hf = h * head_dim + j * half + i, cpp = h * head_dim + 2 * i + j;
                const int64_t from = to_llama_cpp ? hf : cpp, to = to_llama_cpp ? cpp : hf;
                std::memcpy(&out[size_t(to * rank)], &b[size_t(from * rank)], size_t(rank) * sizeof(float));
            }
    b = std::move(out);
}

int head_count(const model& m, lora_target t) {
    return t == lora_target::q ? m.config.n_head : t == lora_target::k ? m.config.n_head_kv : 0;
}

}  // namespace

void lora_b_to_model_order(std::vector<float>& b, int64_t rank, lora_target t, qk_row_order file_order,
                           const model& m) {
    const bool file_permuted = file_order == qk_row_order::llama_cpp;
    if (head_count(m, t) == 0 || file_permuted == model_qk_rows_permuted(m)) return;
    permute_heads(b, rank, head_count(m, t), model_qk_rows_permuted(m));
}

void lora_b_from_model_order(std::vector<float>& b, int64_t rank, lora_target t, qk_row_order file_order,
                             const model& m) {
    const bool file_permuted = file_order == qk_row_order::llama_cpp;
    if (head_count(m, t) == 0 || file_permuted == model_qk_rows_permuted(m)) return;
    permute_heads(b, rank, head_count(m, t), file_permuted);
}

std::vector<float> tensor_to_f32(const tensor_view& t) {
    std::vector<float> out(size_t(t.numel()));
    const int64_t cols = t.cols(), rows = t.rows();
    const size_t row_bytes = dtype_row_bytes(t.type, cols);
    for (int64_t r = 0; r < rows; r++)
        dequantize_row(t.type, static_cast<const uint8_t*>(t.data) + size_t(r) * row_bytes, &out[size_t(r * cols)], cols);
    return out;
}

std::vector<uint8_t> values_encode(const std::vector<float>& v, dtype storage) {
    if (storage != dtype::f32 && storage != dtype::f16 && storage != dtype::bf16)
        fail(dtype_name(storage), "adapters are stored as F32, F16 or BF16");
    std::vector<uint8_t> bytes(dtype_row_bytes(storage, int64_t(v.size())));
    quantize_row(storage, v.data(), bytes.data(), int64_t(v.size()));
    return bytes;
}

}  // namespace clinote
