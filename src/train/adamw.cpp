#include "train/adamw.h"

#include <cmath>

#include "train/lora_params.h"

namespace clinote {

adamw_state adamw_create(const lora_adapter& params) {
    adamw_state st;
    st.m = lora_adapter_zeros_like(params);
    st.v = lora_adapter_zeros_like(params);
    return st;
}

// The trainable vectors of an adapter in order, to walk several adapter-shaped structures together.
static std::vector<std::vector<float>*> vectors_of(lora_adapter& a) {
    std::vector<std::vector<float>*> out;
    lora_adapter_each(a, [&](std::vector<float>& v) { out.push_back(&v); });
    return out;
}

void adamw_step(adamw_state& st, lora_adapter& params, const lora_adapter& grads, const adamw_options& opt, float lr) {
    st.step++;
    const double bias1 = 1.0 - std::pow(double(opt.beta1), double(st.step));
    const double bias2_sqrt = std::sqrt(1.0 - std::pow(double(opt.beta2), double(st.step)));
    const float step_size = float(double(lr) / bias1);
    const float decay = 1.0f - lr * opt.weight_decay;
    const auto p = vectors_of(params), g = vectors_of(const_cast<lora_adapter&>(grads)), m = vectors_of(st.m),
               v = vectors_of(st.v);
    for (size_t k = 0; k < p.size(); k++) {
        float* pk = p[k]->data();
        const float* gk = g[k]->data();
        float* mk = m[k]->data();
        float* vk = v[k]->data();
        const size_t n = p[k]->size();
#pragma omp parallel for schedule(static)
        for (size_t i = 0; i < n; i++) {
            pk[i] *= decay;
            mk[i] += (gk[i] - mk[i]) * (1.0f - opt.beta1);  // torch's lerp
            vk[i] = vk[i] * opt.beta2 + (1.0f - opt.beta2) * gk[i] * gk[i];
            const float denom = std::sqrt(vk[i]) / float(bias2_sqrt) + opt.eps;
            pk[i] -= step_size * mk[i] / denom;
        }
    }
}

double grad_clip_global_norm(lora_adapter& grads, double max_norm) {
    const double norm = std::sqrt(lora_adapter_sum_squares(grads));
    if (max_norm > 0) {
        const double coef = max_norm / (norm + 1e-6);
        if (coef < 1.0) lora_adapter_scale(grads, float(coef));
    }
    return norm;
}

}  // namespace clinote
