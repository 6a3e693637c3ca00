// tokenizer.json → tokenizer_from_hf_dir, then the loaded tokenizer encodes and decodes a
// text with every kind of character its pre-tokenizers split on.
#include "core/error.h"
#include "fuzz_file.h"
#include "tokenizer/tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    try {
        clinote::fuzz::fuzz_file("tokenizer.json", data, size);
        const clinote::tokenizer tok = clinote::tokenizer_from_hf_dir(clinote::fuzz::fuzz_dir());
        const auto ids = clinote::tokenizer_encode(tok, "Hello  world's 123 café\n\tÄ𝄞 <|im_end|>", true);
        clinote::tokenizer_decode(tok, ids);
    } catch (const clinote::error&) {
    }
    return 0;
}
