// Raw HTTP request bytes → server_handle_request: httplib's parser, the server's Host,
// Origin and token checks, and every route, with the tiny model stories260K and a vault
// (the cheapest KDF) in a folder of this process's own. State persists between inputs,
// as it does between a client's requests.
#include <string>
#include <string_view>

#include "core/file.h"
#include "core/paths.h"
#include "fuzz_file.h"
#include "model/model.h"
#include "server/server.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static clinote::server_ptr s = [] {
        clinote::server_options opt;
        opt.port = 0;
        opt.model_id = "stories";
        opt.vault_dir = clinote::fuzz::fuzz_dir() + "/vault";
        opt.vault_kdf = "min";
        opt.train_dir = clinote::fuzz::fuzz_dir() + "/runs";
        auto m = clinote::model_load(clinote::shared_dir() + "/models/stories260k/stories260K.gguf");
        m->tok.chat_template = clinote::file_read_text(clinote::source_dir() + "/tests/server/plain_chat.jinja");
        return clinote::server_start(opt, std::move(m));
    }();
    clinote::server_handle_request(*s, std::string_view(reinterpret_cast<const char*>(data), size));
    return 0;
}
