// JSON Schema → json_grammar_compile, then the matcher over bytes. The input is the schema,
// then a NUL byte and the text fed to the matcher. Whatever state the text leaves, the
// shortest completion must finish the value (what generation relies on when tokens run out).
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "core/error.h"
#include "generate/grammar.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string in(reinterpret_cast<const char*>(data), size);
    const size_t nul = in.find('\0');
    const auto schema = nlohmann::ordered_json::parse(in.substr(0, nul), nullptr, false);
    if (schema.is_discarded()) return 0;
    clinote::json_grammar g;
    try {
        g = clinote::json_grammar_compile(schema);
    } catch (const clinote::error&) {
        return 0;
    }
    clinote::grammar_state st = clinote::grammar_start(g);
    if (nul != std::string::npos)
        for (size_t i = nul + 1; i < in.size(); i++)
            if (!clinote::grammar_advance(st, std::string_view(&in[i], 1))) break;
    clinote::grammar_state done = st;
    if (!clinote::grammar_advance(done, clinote::grammar_shortest_completion(st)) || !clinote::grammar_is_complete(done))
        std::abort();
    return 0;
}
