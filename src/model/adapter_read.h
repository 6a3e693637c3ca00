// Internal to model/: the two adapter file formats, read into model row order (see
// lora_adapter.h). lora_adapter_load picks one and checks the shapes.
#pragma once
#include <string>

#include "model/lora_adapter.h"

namespace clinote {

lora_adapter lora_adapter_read_peft(const std::string& dir, const model& m);
lora_adapter lora_adapter_read_gguf(const std::string& path, const model& m);

}  // namespace clinote
