// Jinja chat template + messages → chat_template_render. The input is the template text,
// then a NUL byte and the messages as JSON (a fixed conversation when absent or not JSON).
#include <nlohmann/json.hpp>
#include <string>

#include "core/error.h"
#include "tokenizer/chat_template.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string in(reinterpret_cast<const char*>(data), size);
    const size_t nul = in.find('\0');
    clinote::chat_template_input input;
    input.messages = nlohmann::json::parse(R"([{"role":"system","content":"Be brief."},
        {"role":"user","content":"Hi"},{"role":"assistant","content":"Hello"}])");
    if (nul != std::string::npos) {
        nlohmann::json m = nlohmann::json::parse(in.substr(nul + 1), nullptr, false);
        if (!m.is_discarded()) input.messages = std::move(m);
    }
    input.add_generation_prompt = true;
    try {
        clinote::chat_template_render(in.substr(0, nul), input);
    } catch (const clinote::error&) {
    }
    return 0;
}
