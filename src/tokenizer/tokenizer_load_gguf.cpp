// tokenizer.ggml.* metadata (as written by llama.cpp's convert_hf_to_gguf.py) -> tokenizer.
#include "core/error.h"
#include "io/gguf.h"
#include "tokenizer/tokenizer.h"

namespace clinote {
namespace {

// llama.cpp's token types.
enum gguf_token_type { token_normal = 1, token_unknown = 2, token_control = 3, token_user_defined = 4, token_byte = 6 };

pretokenizer_kind pretokenizer_of(const std::string& pre) {
    if (pre == "default" || pre == "gpt2" || pre == "gpt-2") return pretokenizer_kind::gpt2;
    if (pre == "smollm" || pre == "starcoder" || pre == "refact") return pretokenizer_kind::gpt2_digits;
    if (pre == "llama-bpe" || pre == "llama3" || pre == "smaug-bpe") return pretokenizer_kind::llama3;
    if (pre == "qwen2") return pretokenizer_kind::qwen2;
    fail("tokenizer.ggml.pre", "unsupported pre-tokenizer '" + pre + "'");
}

int32_t optional_id(const gguf_file& g, const std::string& key) {
    const std::optional<int64_t> v = g.get_int(key);
    // Converters write 0xFFFFFFFF (or -1) for "no such token".
    if (!v || *v < 0 || *v >= int64_t(INT32_MAX)) return -1;
    return int32_t(*v);
}

}  // namespace

tokenizer tokenizer_from_gguf(const gguf_file& g) {
    tokenizer tok;
    const std::string model = g.get_string("tokenizer.ggml.model").value_or("");
    tok.id_to_token = g.get_string_array("tokenizer.ggml.tokens");
    if (tok.id_to_token.empty()) fail("tokenizer.ggml.tokens", "missing or empty");
    const size_t n = tok.id_to_token.size();
    std::vector<int64_t> types = g.get_int_array("tokenizer.ggml.token_type");
    if (types.empty()) types.assign(n, token_normal);
    if (types.size() != n) fail("tokenizer.ggml.token_type", "has " + std::to_string(types.size()) + " entries for " + std::to_string(n) + " tokens");

    std::vector<std::pair<std::string, std::string>> merge_pairs;
    if (model == "gpt2") {
        tok.kind = tokenizer_kind::byte_bpe;
        const std::string pre = g.get_string("tokenizer.ggml.pre").value_or("default");
        tok.pretokenizer = pretokenizer_of(pre);
        tok.nfc = tok.pretokenizer == pretokenizer_kind::qwen2;
        tok.ignore_merges = tok.pretokenizer == pretokenizer_kind::llama3;
        const std::vector<std::string> merges = g.get_string_array("tokenizer.ggml.merges");
        if (merges.empty()) fail("tokenizer.ggml.merges", "missing or empty for a gpt2 tokenizer");
        merge_pairs.reserve(merges.size());
        for (size_t i = 0; i < merges.size(); i++) {
            const size_t space = merges[i].find(' ', 1);
            if (space == std::string::npos) fail("tokenizer.ggml.merges", "entry " + std::to_string(i) + " is not \"left right\"");
            merge_pairs.emplace_back(merges[i].substr(0, space), merges[i].substr(space + 1));
        }
        // Llama 3's post-processor adds <|begin_of_text|>; the other byte-level families add nothing.
        tok.add_bos = g.get_bool("tokenizer.ggml.add_bos_token").value_or(tok.pretokenizer == pretokenizer_kind::llama3);
    } else if (model == "llama") {
        tok.kind = tokenizer_kind::sentencepiece_bpe;
        tok.pretokenizer = pretokenizer_kind::none;
        tok.byte_fallback = true;
        const std::vector<double> scores = g.get_float_array("tokenizer.ggml.scores");
        if (scores.size() != n) fail("tokenizer.ggml.scores", "has " + std::to_string(scores.size()) + " entries for " + std::to_string(n) + " tokens");
        tok.scores.assign(scores.begin(), scores.end());
        tok.add_space_prefix = g.get_bool("tokenizer.ggml.add_space_prefix").value_or(true);
        tok.decode_strip_space = tok.add_space_prefix;
        tok.add_bos = g.get_bool("tokenizer.ggml.add_bos_token").value_or(true);
    } else {
        fail("tokenizer.ggml.model", "unsupported tokenizer model '" + model + "' (expected gpt2 or llama)");
    }
    tok.add_eos = g.get_bool("tokenizer.ggml.add_eos_token").value_or(false);
    tok.bos_id = optional_id(g, "tokenizer.ggml.bos_token_id");
    tok.eos_id = optional_id(g, "tokenizer.ggml.eos_token_id");
    tok.unk_id = optional_id(g, "tokenizer.ggml.unknown_token_id");
    tok.pad_id = optional_id(g, "tokenizer.ggml.padding_token_id");

    // Control and user-defined tokens are matched in the text (llama.cpp's parse_special, and
    // HF's added tokens); control and unknown ones are what skip_special drops.
    for (size_t id = 0; id < n; id++) {
        const int64_t t = types[id];
        if (t == token_control || t == token_unknown || t == token_user_defined) {
            tok.added.push_back({int32_t(id), tok.id_to_token[id], t != token_user_defined});
        }
    }
    tok.chat_template = g.get_string("tokenizer.chat_template").value_or("");
    tokenizer_finalize(tok, merge_pairs, "tokenizer.ggml");
    for (const char* key : {"tokenizer.ggml.eot_token_id", "tokenizer.ggml.eom_token_id"}) {
        const int32_t id = optional_id(g, key);
        if (id >= tok.n_vocab()) fail(key, "id " + std::to_string(id) + " is outside the vocabulary");
        if (id >= 0 && !tok.is_eog(id)) tok.eog_ids.push_back(id);
    }
    return tok;
}

}  // namespace clinote
