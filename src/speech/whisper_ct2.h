// CTranslate2's Whisper models (faster-whisper's format: model.bin, config.json,
// tokenizer.json, vocabulary.json), converted to the Hugging Face directory whisper_load reads,
// so one loader serves both sources. The fused projections are split back into q/k/v.
#pragma once
#include <string>

namespace clinote {

// Writes out_dir/{config.json, generation_config.json, model.safetensors, tokenizer.json}.
// Weights keep their stored type (F32, F16 or BF16); int8-quantised models are refused.
// Throws clinote::error naming the file and the problem.
void whisper_convert_ct2(const std::string& ct2_dir, const std::string& out_dir);

}  // namespace clinote
