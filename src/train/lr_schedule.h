// Learning-rate schedules as transformers' get_{constant,linear,cosine}_schedule_with_warmup:
// the factor at optimiser step `step` (0-based: the first update uses step 0, so with warmup
// it has learning rate 0, as a LambdaLR stepped after each update).
#pragma once
#include <cstdint>
#include <string>

namespace clinote {

enum class lr_schedule { constant, linear, cosine };

// "constant", "linear", "cosine"; throws clinote::error naming --schedule otherwise.
lr_schedule lr_schedule_from_name(const std::string& name);
const char* lr_schedule_name(lr_schedule s);

double lr_factor(lr_schedule s, int64_t step, int64_t warmup, int64_t total);

}  // namespace clinote
