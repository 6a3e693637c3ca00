#include "server/speech_host.h"

#include <filesystem>

#include "core/error.h"
#include "server/http_json.h"

namespace clinote {

void speech_host_require(speech_host& h) {
    if (!h.engine.whisper) h.engine = speech_engine_load(h.dir, true);
}

void speech_host_check_available(const speech_host& h) {
    namespace fs = std::filesystem;
    if (h.dir.empty() || !(fs::exists(fs::path(h.dir) / "model.bin") || fs::exists(fs::path(h.dir) / "config.json")))
        throw api_error(409, "no_whisper",
                        "whisper: no Whisper model (" + (h.dir.empty() ? std::string("none given") : h.dir) +
                            "; start the server with --whisper DIR, or run scripts/setup.sh)");
}

}  // namespace clinote
