// Notes decoded by another server: any OpenAI-compatible engine (vLLM, llama.cpp's server,
// another clinote) runs the model while clinote keeps the prompt, the sections, the checks
// and the vault. The note is still clinote's: its prompt goes as token ids (byte for byte
// the tokens `clinote note` would decode), the section loop (generate_sections) runs here
// with one /v1/completions request per section, the notes' repetition guard goes as
// llama.cpp's DRY fields, and a JSON note's schema as response_format — and what comes back
// is checked here either way. With another clinote as the backend the note is the one
// written locally, token for token; an engine that ignores clinote's answer_in_prompt or
// returns no token ids (return_tokens) writes a close, not identical, note.
#pragma once
#include <string>

#include "scribe/note_write.h"

namespace clinote {

struct backend_options {
    std::string url;      // http://host[:port][/prefix]: the OpenAI API is at <prefix>/v1/...
    std::string model;    // each request's "model"; empty: none sent (the backend's default)
    std::string api_key;  // sent as "Authorization: Bearer ..." when set
    int connect_timeout_s = 10;
    int read_timeout_s = 600;  // a queued or slow backend may be silent this long
};

// Throws naming the flag when url is not http://host[:port][/prefix] (https needs a TLS
// proxy in front: this build speaks plain HTTP, meant for a backend on a private network).
void backend_url_check(const std::string& url);

// Each part on the backend, streamed: pieces reach on_text as the backend sends them, and
// on_text returning false closes the connection (the backend stops). A backend that cannot
// be reached, answers with an error or sends what is not a completion fails naming its URL.
note_decoder note_decoder_for_backend(const backend_options& b, const tokenizer& tok);

}  // namespace clinote
