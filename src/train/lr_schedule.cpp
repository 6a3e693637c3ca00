#include "train/lr_schedule.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace clinote {

lr_schedule lr_schedule_from_name(const std::string& name) {
    if (name == "constant") return lr_schedule::constant;
    if (name == "linear") return lr_schedule::linear;
    if (name == "cosine") return lr_schedule::cosine;
    fail("--schedule", "unknown schedule '" + name + "' (constant, linear or cosine)");
}

const char* lr_schedule_name(lr_schedule s) {
    switch (s) {
        case lr_schedule::constant: return "constant";
        case lr_schedule::linear: return "linear";
        case lr_schedule::cosine: return "cosine";
    }
    return "?";
}

double lr_factor(lr_schedule s, int64_t step, int64_t warmup, int64_t total) {
    if (step < warmup) return double(step) / double(std::max<int64_t>(1, warmup));
    const double rest = double(std::max<int64_t>(1, total - warmup));
    switch (s) {
        case lr_schedule::constant: return 1.0;
        case lr_schedule::linear: return std::max(0.0, double(total - step) / rest);
        case lr_schedule::cosine: {
            const double progress = double(step - warmup) / rest;
            return std::max(0.0, 0.5 * (1.0 + std::cos(M_PI * progress)));  // num_cycles 0.5
        }
    }
    return 1.0;
}

}  // namespace clinote
