// safetensors file → safetensors_open (the header JSON, dtypes, offsets, shapes).
#include "core/error.h"
#include "fuzz_file.h"
#include "io/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    try {
        clinote::safetensors_open(clinote::fuzz::fuzz_file("model.safetensors", data, size));
    } catch (const clinote::error&) {
    }
    return 0;
}
