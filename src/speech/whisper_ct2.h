// CTranslate2's Whisper models (faster-whisper's format: model.bin, config.json,
// tokenizer.json, vocabulary.json), seen under Hugging Face WhisperForConditionalGeneration
// names, so whisper_load reads such a directory as it is and `clinote convert --whisper-ct2`
// writes it out as a Hugging Face directory. The fused projections are split back into q/k/v
// (views of row ranges: nothing is copied).
#pragma once
#include <string>
#include <vector>

#include "core/mapped_file.h"
#include "core/tensor.h"

namespace clinote {

struct whisper_ct2_model {
    mapped_file file;                 // model.bin, where the tensors point
    std::vector<tensor_view> tensors; // Hugging Face names, stored types (F32, F16 or BF16)
    std::string config_json;          // as transformers' config.json
    std::string generation_config_json;  // suppress_tokens, begin_suppress_tokens
};

// dir holds model.bin (and config.json for the suppressed tokens). Int8-quantised models are
// refused. Throws clinote::error naming the file and the problem.
whisper_ct2_model whisper_ct2_open(const std::string& dir);

// Writes out_dir/{config.json, generation_config.json, model.safetensors, tokenizer.json}.
void whisper_convert_ct2(const std::string& ct2_dir, const std::string& out_dir);

}  // namespace clinote
