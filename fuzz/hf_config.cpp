// A Hugging Face config.json's text → model_config_from_hf.
#include <string>

#include "core/error.h"
#include "model/model.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    try {
        clinote::model_config_from_hf(std::string(reinterpret_cast<const char*>(data), size), "config.json");
    } catch (const clinote::error&) {
    }
    return 0;
}
