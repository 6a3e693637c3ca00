// A JSONL dataset → import_jsonl, skipping bad lines as `clinote data import --skip-bad`.
#include "core/error.h"
#include "data/import.h"
#include "fuzz_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    clinote::import_options o;
    o.policy = clinote::on_error::skip;
    clinote::import_report r;
    try {
        clinote::import_jsonl(clinote::fuzz::fuzz_file("in.jsonl", data, size), o, r);
    } catch (const clinote::error&) {
    }
    return 0;
}
