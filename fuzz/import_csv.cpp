// A CSV dataset → both CSV importers (MTS-Dialog and ACI-Bench), skipping bad rows.
#include "core/error.h"
#include "data/import.h"
#include "fuzz_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string path = clinote::fuzz::fuzz_file("train.csv", data, size);
    clinote::import_options o;
    o.policy = clinote::on_error::skip;
    for (auto importer : {clinote::import_mts_dialog, clinote::import_aci_csv}) {
        clinote::import_report r;
        try {
            importer(path, o, r);
        } catch (const clinote::error&) {
        }
    }
    return 0;
}
