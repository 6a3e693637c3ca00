// AdamW as torch.optim.AdamW: decoupled weight decay (p -= lr·wd·p before the Adam update),
// bias-corrected moments, eps added to √v̂. Moments are adapter-shaped, like the gradients.
#pragma once
#include <cstdint>

#include "model/lora_adapter.h"

namespace clinote {

struct adamw_options {
    float beta1 = 0.9f;
    float beta2 = 0.999f;
    float eps = 1e-8f;
    float weight_decay = 0.0f;
};

struct adamw_state {
    int64_t step = 0;  // updates done
    lora_adapter m, v;
};

adamw_state adamw_create(const lora_adapter& params);

// One update of every trainable value of params with gradients grads at learning rate lr.
void adamw_step(adamw_state& st, lora_adapter& params, const lora_adapter& grads, const adamw_options& opt, float lr);

// torch.nn.utils.clip_grad_norm_: scales grads by max_norm / (norm + 1e-6) when that is below
// 1 (max_norm <= 0: no clipping). Returns the norm before clipping.
double grad_clip_global_norm(lora_adapter& grads, double max_norm);

}  // namespace clinote
