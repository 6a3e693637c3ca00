// GGUF file → gguf_open, then what model_load reads from it: hyper-parameters and tokenizer.
#include "core/error.h"
#include "fuzz_file.h"
#include "io/gguf.h"
#include "model/model_config_read.h"
#include "tokenizer/tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    try {
        const clinote::gguf_file g = clinote::gguf_open(clinote::fuzz::fuzz_file("in.gguf", data, size));
        for (const auto& [key, value] : g.metadata) clinote::gguf_value_to_string(value);
        try {
            clinote::model_config_from_gguf(g);
        } catch (const clinote::error&) {
        }
        clinote::tokenizer_from_gguf(g);
    } catch (const clinote::error&) {
    }
    return 0;
}
