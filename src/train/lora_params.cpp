#include "train/lora_params.h"

#include <algorithm>

namespace clinote {

std::vector<lora_param> lora_params(lora_adapter& a, const model& m) {
    std::vector<lora_param> out;
    const int64_t r = a.config.rank;
    for (size_t il = 0; il < a.layers.size(); il++) {
        for (int t = 0; t < lora_target_count; t++) {
            lora_matrices& lm = a.layers[il][size_t(t)];
            if (lm.a.empty()) continue;
            const std::string base = "layers." + std::to_string(il) + "." + lora_target_name(lora_target(t));
            out.push_back({base + ".lora_A", {r, int64_t(lm.a.size()) / r}, &lm.a});
            out.push_back({base + ".lora_B", {int64_t(lm.b.size()) / r, r}, &lm.b});
        }
    }
    const int64_t n_vocab = m.config.n_vocab, n_embd = m.config.n_embd;
    if (!a.tok_embd.empty()) out.push_back({"embed_tokens", {n_vocab, n_embd}, &a.tok_embd});
    if (!a.output.empty()) out.push_back({"lm_head", {n_vocab, n_embd}, &a.output});
    return out;
}

lora_adapter lora_adapter_zeros_like(const lora_adapter& a) {
    lora_adapter z = a;
    lora_adapter_fill_zero(z);
    return z;
}

void lora_adapter_fill_zero(lora_adapter& a) {
    lora_adapter_each(a, [](std::vector<float>& v) { std::fill(v.begin(), v.end(), 0.0f); });
}

double lora_adapter_sum_squares(const lora_adapter& a) {
    double sum = 0.0;
    lora_adapter_each(const_cast<lora_adapter&>(a), [&](std::vector<float>& v) {
        for (float x : v) sum += double(x) * x;
    });
    return sum;
}

void lora_adapter_scale(lora_adapter& a, float factor) {
    lora_adapter_each(a, [&](std::vector<float>& v) {
        for (float& x : v) x *= factor;
    });
}

}  // namespace clinote
