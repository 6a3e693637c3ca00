#include "model/lora_adapter.h"

#include <cmath>

namespace clinote {

const char* lora_target_name(lora_target t) {
    switch (t) {
        case lora_target::q: return "q_proj";
        case lora_target::k: return "k_proj";
        case lora_target::v: return "v_proj";
        case lora_target::o: return "o_proj";
        case lora_target::gate: return "gate_proj";
        case lora_target::up: return "up_proj";
        case lora_target::down: return "down_proj";
    }
    return "?";
}

const linear_weight& layer_linear(const layer_weights& l, lora_target t) {
    switch (t) {
        case lora_target::q: return l.wq;
        case lora_target::k: return l.wk;
        case lora_target::v: return l.wv;
        case lora_target::o: return l.wo;
        case lora_target::gate: return l.w_gate;
        case lora_target::up: return l.w_up;
        case lora_target::down: return l.w_down;
    }
    return l.wq;
}

float lora_scale(const lora_config& c) {
    return c.rslora ? c.alpha / std::sqrt(float(c.rank)) : c.alpha / float(c.rank);
}

}  // namespace clinote
