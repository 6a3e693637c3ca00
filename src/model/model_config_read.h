// Internal to model/: a model's hyper-parameters read and checked from GGUF metadata
// (model_config_from_hf, for config.json, is declared in model.h and defined beside this one).
#pragma once
#include <vector>

#include "model/model.h"

namespace clinote {

model_config model_config_from_gguf(const gguf_file& g);

// Per-frequency divisors of Llama 3's RoPE scaling (also what GGUF stores as rope_freqs.weight).
std::vector<float> llama3_rope_factors(const std::vector<float>& inv_freq, float factor, float low_freq_factor,
                                       float high_freq_factor, float original_context);

}  // namespace clinote
