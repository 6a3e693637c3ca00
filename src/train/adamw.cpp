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

adamw_full_state adamw_create(const full_weights& params) {
    adamw_full_state st;
    st.m = full_weights_zeros_like(params);
    st.v = full_weights_zeros_like(params);
    return st;
}

namespace {

// One parameter tensor with its gradient and moments.
struct adamw_tensor {
    std::vector<float>* p;
    std::vector<float>* g;
    std::vector<float>* m;
    std::vector<float>* v;
    bool decay;
};

void update(int64_t step, const std::vector<adamw_tensor>& tensors, const adamw_options& opt, float lr) {
    const double bias1 = 1.0 - std::pow(double(opt.beta1), double(step));
    const double bias2_sqrt = std::sqrt(1.0 - std::pow(double(opt.beta2), double(step)));
    const float step_size = float(double(lr) / bias1);
    for (const adamw_tensor& t : tensors) {
        const float decay = t.decay ? 1.0f - lr * opt.weight_decay : 1.0f;
        float* pk = t.p->data();
        const float* gk = t.g->data();
        float* mk = t.m->data();
        float* vk = t.v->data();
        const size_t n = t.p->size();
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

// The vectors of four same-shaped structures, walked together by each(structure, f(vector, decay)).
template <typename Params, typename Each>
std::vector<adamw_tensor> tensors_of(Params& p, const Params& g, adamw_state_of<Params>& st, Each each) {
    std::vector<std::vector<float>*> ps, gs, ms, vs;
    std::vector<bool> decays;
    each(p, [&](std::vector<float>& v, bool decay) {
        ps.push_back(&v);
        decays.push_back(decay);
    });
    each(const_cast<Params&>(g), [&](std::vector<float>& v, bool) { gs.push_back(&v); });
    each(st.m, [&](std::vector<float>& v, bool) { ms.push_back(&v); });
    each(st.v, [&](std::vector<float>& v, bool) { vs.push_back(&v); });
    std::vector<adamw_tensor> out;
    for (size_t k = 0; k < ps.size(); k++) out.push_back({ps[k], gs[k], ms[k], vs[k], decays[k]});
    return out;
}

}  // namespace

void adamw_step(adamw_state& st, lora_adapter& params, const lora_adapter& grads, const adamw_options& opt, float lr) {
    st.step++;
    update(st.step,
           tensors_of(params, grads, st,
                      [](lora_adapter& a, auto f) { lora_adapter_each(a, [&](std::vector<float>& v) { f(v, true); }); }),
           opt, lr);
}

void adamw_step(adamw_full_state& st, full_weights& params, const full_weights& grads, const adamw_options& opt,
                float lr) {
    st.step++;
    update(st.step, tensors_of(params, grads, st, [](full_weights& w, auto f) { full_weights_each(w, f); }), opt, lr);
}

namespace {

template <typename Params>
double clip(Params& grads, double max_norm, double (*sum_squares)(const Params&), void (*scale)(Params&, float)) {
    const double norm = std::sqrt(sum_squares(grads));
    if (max_norm > 0) {
        const double coef = max_norm / (norm + 1e-6);
        if (coef < 1.0) scale(grads, float(coef));
    }
    return norm;
}

}  // namespace

double grad_clip_global_norm(lora_adapter& grads, double max_norm) {
    return clip(grads, max_norm, lora_adapter_sum_squares, lora_adapter_scale);
}

double grad_clip_global_norm(full_weights& grads, double max_norm) {
    return clip(grads, max_norm, full_weights_sum_squares, full_weights_scale);
}

}  // namespace clinote
