// Whisper's special tokens and suppressed-token sets, as openai-whisper's tokenizer.py and
// decoding.py define them.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>

#include "core/error.h"
#include "speech/whisper_model.h"

namespace clinote {

namespace {

int32_t find_token(const tokenizer& tok, const std::string& text) {
    const auto it = tok.token_to_id.find(text);
    return it == tok.token_to_id.end() ? -1 : it->second;
}

// openai-whisper's Tokenizer.non_speech_tokens: symbols that are not speech, suppressed so
// that the model does not write speaker tags or sound-effect captions.
std::vector<int32_t> non_speech_tokens(const tokenizer& tok) {
    const std::vector<std::string> symbols = {
        "\"", "#", "(", ")", "*", "+", "/", ":", ";", "<", "=", ">", "@", "[", "\\", "]", "^", "_", "`", "{", "|",
        "}", "~", "「", "」", "『", "』", "<<", ">>", "<<<", ">>>", "--", "---", "-(", "-[", "('", "(\"", "((", "))",
        "(((", ")))", "[[", "]]", "{{", "}}", "♪♪", "♪♪♪"};
    // Musical signs count even when they take several tokens (their first is suppressed).
    const std::vector<std::string> miscellaneous = {"♩", "♪", "♫", "♬", "♭", "♮", "♯"};
    std::set<int32_t> result = {tokenizer_encode(tok, " -", false)[0], tokenizer_encode(tok, " '", false)[0]};
    auto add = [&](const std::string& symbol, bool any_length) {
        for (const std::string& text : {symbol, " " + symbol}) {
            const std::vector<int32_t> ids = tokenizer_encode(tok, text, false);
            if (ids.size() == 1 || (any_length && !ids.empty())) result.insert(ids[0]);
        }
    };
    for (const std::string& s : symbols) add(s, false);
    for (const std::string& s : miscellaneous) add(s, true);
    return {result.begin(), result.end()};
}

std::vector<int32_t> id_list(const nlohmann::json& j, const char* key, int32_t n_vocab, const std::string& where) {
    std::vector<int32_t> out;
    if (!j.contains(key) || j.at(key).is_null()) return out;
    if (!j.at(key).is_array()) fail(where, std::string(key) + " is not a list");
    for (const auto& v : j.at(key)) {
        if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() >= n_vocab)
            fail(where, std::string(key) + " holds an entry that is not a token id");
        out.push_back(v.get<int32_t>());
    }
    return out;
}

}  // namespace

int32_t whisper_vocab::language_id(const std::string& code) const {
    const auto it = std::find(languages.begin(), languages.end(), code);
    return it == languages.end() ? -1 : first_language + int32_t(it - languages.begin());
}

whisper_vocab whisper_vocab_make(const tokenizer& tok, const std::string& generation_config_text,
                                 const std::string& where) {
    whisper_vocab v;
    const std::string tok_where = "tokenizer.json";
    auto need = [&](const char* text) {
        const int32_t id = find_token(tok, text);
        if (id < 0) fail(tok_where, std::string("no Whisper special token ") + text);
        return id;
    };
    v.eot = need("<|endoftext|>");
    v.sot = need("<|startoftranscript|>");
    v.translate = need("<|translate|>");
    v.transcribe = need("<|transcribe|>");
    v.sot_lm = need("<|startoflm|>");
    v.sot_prev = need("<|startofprev|>");
    v.no_timestamps = need("<|notimestamps|>");
    v.timestamp_begin = need("<|0.00|>");
    // Older vocabularies call it <|nocaptions|>.
    v.no_speech = find_token(tok, "<|nospeech|>");
    if (v.no_speech < 0) v.no_speech = need("<|nocaptions|>");
    v.first_language = find_token(tok, "<|en|>");
    if (v.first_language >= 0 && v.first_language == v.sot + 1)
        for (int32_t id = v.first_language; id < v.translate; id++) {
            const std::string& t = tok.id_to_token[size_t(id)];
            v.languages.push_back(t.substr(2, t.size() - 4));
        }
    else
        v.first_language = -1;  // English-only: no language token

    nlohmann::json gen = nlohmann::json::object();
    if (!generation_config_text.empty()) {
        try {
            gen = nlohmann::json::parse(generation_config_text);
        } catch (const nlohmann::json::exception& e) {
            fail(where, std::string("invalid JSON: ") + e.what());
        }
        if (!gen.is_object()) fail(where, "not a JSON object");
    }
    v.suppress = id_list(gen, "suppress_tokens", tok.n_vocab(), where);
    v.suppress_begin = id_list(gen, "begin_suppress_tokens", tok.n_vocab(), where);
    if (!gen.contains("suppress_tokens")) {
        // decoding.py's default suppress_tokens="-1": the non-speech symbols and the task tokens.
        v.suppress = non_speech_tokens(tok);
        for (int32_t id : {v.transcribe, v.translate, v.sot, v.sot_prev, v.sot_lm, v.no_speech}) v.suppress.push_back(id);
        std::sort(v.suppress.begin(), v.suppress.end());
        v.suppress.erase(std::unique(v.suppress.begin(), v.suppress.end()), v.suppress.end());
    }
    if (!gen.contains("begin_suppress_tokens")) {  // decoding.py's suppress_blank
        v.suppress_begin = tokenizer_encode(tok, " ", false);
        v.suppress_begin.push_back(v.eot);
    }
    return v;
}

}  // namespace clinote
