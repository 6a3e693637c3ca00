// AdamW as torch.optim.AdamW: decoupled weight decay (p -= lr·wd·p before the Adam update),
// bias-corrected moments, eps added to √v̂. Moments are shaped as the parameters, like the
// gradients: an adapter's (LoRA) or every weight of the model's (full fine-tune).
#pragma once
#include <cstdint>

#include "model/lora_adapter.h"
#include "train/full_params.h"

namespace clinote {

struct adamw_options {
    float beta1 = 0.9f;
    float beta2 = 0.999f;
    float eps = 1e-8f;
    float weight_decay = 0.0f;
};

template <typename Params>
struct adamw_state_of {
    int64_t step = 0;  // updates done
    Params m, v;
};
using adamw_state = adamw_state_of<lora_adapter>;
using adamw_full_state = adamw_state_of<full_weights>;

adamw_state adamw_create(const lora_adapter& params);
adamw_full_state adamw_create(const full_weights& params);

// One update of every trainable value of params with gradients grads at learning rate lr.
// An adapter's values all decay; of a full fine-tune's weights only the matrices do (the
// embeddings and head too), not norms and biases, as Hugging Face's Trainer groups them.
void adamw_step(adamw_state& st, lora_adapter& params, const lora_adapter& grads, const adamw_options& opt, float lr);
void adamw_step(adamw_full_state& st, full_weights& params, const full_weights& grads, const adamw_options& opt,
                float lr);

// torch.nn.utils.clip_grad_norm_: scales grads by max_norm / (norm + 1e-6) when that is below
// 1 (max_norm <= 0: no clipping). Returns the norm before clipping.
double grad_clip_global_norm(lora_adapter& grads, double max_norm);
double grad_clip_global_norm(full_weights& grads, double max_norm);

}  // namespace clinote
