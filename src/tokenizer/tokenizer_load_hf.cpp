// tokenizer.json + tokenizer_config.json (Hugging Face layout) -> tokenizer. Only the
// configurations of the supported families are accepted; anything else is an error naming
// the field, rather than a tokenizer that silently differs from HF.
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/error.h"
#include "core/json_int.h"
#include "tokenizer/tokenizer.h"

namespace clinote {
namespace {

using nlohmann::json;

const char* const llama3_regex =
    R"re((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)re";
const char* const qwen2_regex =
    R"re((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)re";
const char* const space_marker = "\xE2\x96\x81";

json read_json(const std::string& path, bool required) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        if (required) fail(path, "cannot open");
        return nullptr;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    try {
        return json::parse(ss.str());
    } catch (const json::exception& e) {
        fail(path, std::string("invalid JSON: ") + e.what());
    }
}

// j[key] of a const json is undefined behaviour when the key is missing (nlohmann asserts),
// and tokenizer.json is untrusted input: a missing member reads as null instead.
const json& member(const json& j, const char* key) {
    static const json absent;
    const auto it = j.find(key);
    return it == j.end() ? absent : *it;
}

// A Sequence's steps, or the one step itself.
std::vector<json> steps_of(const json& j, const char* list_key) {
    if (j.is_null()) return {};
    if (j.value("type", "") == "Sequence") return j.at(list_key).get<std::vector<json>>();
    return {j};
}

std::string type_of(const json& j) { return j.value("type", ""); }

void configure_byte_level(tokenizer& tok, const json& root, const std::string& where) {
    tok.kind = tokenizer_kind::byte_bpe;
    const std::vector<json> pre = steps_of(member(root, "pre_tokenizer"), "pretokenizers");
    if (pre.empty()) fail(where + ": pre_tokenizer", "an empty Sequence (expected ByteLevel last)");
    const json& last = pre.back();
    if (type_of(last) != "ByteLevel" || last.value("add_prefix_space", false)) {
        fail(where + ": pre_tokenizer", "expected ByteLevel without add_prefix_space last");
    }
    const bool own_regex = last.value("use_regex", true);
    if (pre.size() == 1 && own_regex) {
        tok.pretokenizer = pretokenizer_kind::gpt2;
    } else if (pre.size() == 2 && own_regex && type_of(pre[0]) == "Digits" && pre[0].value("individual_digits", false)) {
        tok.pretokenizer = pretokenizer_kind::gpt2_digits;
    } else if (pre.size() == 2 && !own_regex && type_of(pre[0]) == "Split" && pre[0].value("behavior", "") == "Isolated" &&
               !pre[0].value("invert", false) && member(pre[0], "pattern").contains("Regex")) {
        const std::string regex = member(member(pre[0], "pattern"), "Regex").get<std::string>();
        if (regex == llama3_regex) tok.pretokenizer = pretokenizer_kind::llama3;
        else if (regex == qwen2_regex) tok.pretokenizer = pretokenizer_kind::qwen2;
        else fail(where + ": pre_tokenizer", "unsupported Split regex " + regex);
    } else {
        fail(where + ": pre_tokenizer", "unsupported sequence " + member(root, "pre_tokenizer").dump());
    }
    for (const json& n : steps_of(member(root, "normalizer"), "normalizers")) {
        if (type_of(n) != "NFC") fail(where + ": normalizer", "unsupported " + n.dump() + " for a byte-level tokenizer");
        tok.nfc = true;
    }
    if (type_of(member(root, "decoder")) != "ByteLevel") fail(where + ": decoder", "expected ByteLevel");
}

void configure_sentencepiece(tokenizer& tok, const json& root, const std::string& where) {
    tok.kind = tokenizer_kind::sentencepiece_bpe;
    tok.pretokenizer = pretokenizer_kind::none;
    bool replaces_spaces = false;
    for (const json& n : steps_of(member(root, "normalizer"), "normalizers")) {
        if (type_of(n) == "Prepend" && n.value("prepend", "") == space_marker && !replaces_spaces) {
            tok.add_space_prefix = true;
        } else if (type_of(n) == "Replace" && member(n, "pattern").value("String", "") == " " && n.value("content", "") == space_marker) {
            replaces_spaces = true;
        } else {
            fail(where + ": normalizer", "unsupported " + n.dump());
        }
    }
    if (!replaces_spaces) fail(where + ": normalizer", "expected Replace(\" \", \"\u2581\")");
    // Gemma's converter adds Split(" ") after the normalizer has replaced every space: a no-op.
    const json& pre = member(root, "pre_tokenizer");
    if (!pre.is_null() && !(type_of(pre) == "Split" && member(pre, "pattern").value("String", "") == " ")) {
        fail(where + ": pre_tokenizer", "unsupported " + pre.dump());
    }
    for (const json& d : steps_of(member(root, "decoder"), "decoders")) {
        const std::string t = type_of(d);
        if (t == "Strip") {
            if (d.value("content", "") != " " || json_int_or<int64_t>(d, "start", 0, where) != 1 || json_int_or<int64_t>(d, "stop", 0, where) != 0) {
                fail(where + ": decoder", "unsupported " + d.dump());
            }
            tok.decode_strip_space = true;
        } else if (t == "Replace") {
            if (member(d, "pattern").value("String", "") != space_marker || d.value("content", "") != " ") {
                fail(where + ": decoder", "unsupported " + d.dump());
            }
        } else if (t != "ByteFallback" && t != "Fuse") {
            fail(where + ": decoder", "unsupported " + d.dump());
        }
    }
}

// BOS/EOS of TemplateProcessing's "single" template: special tokens before and after $A.
void configure_post_processor(tokenizer& tok, const json& root, const std::string& where) {
    for (const json& p : steps_of(member(root, "post_processor"), "processors")) {
        const std::string t = type_of(p);
        if (t == "ByteLevel") continue;
        if (t != "TemplateProcessing") fail(where + ": post_processor", "unsupported " + t);
        bool after_sequence = false;
        for (const json& item : p.at("single")) {
            if (item.contains("Sequence")) {
                after_sequence = true;
                continue;
            }
            const std::string name = item.at("SpecialToken").at("id").get<std::string>();
            const json& ids = p.at("special_tokens").at(name).at("ids");
            if (ids.size() != 1) fail(where + ": post_processor", "special token " + name + " must be one id");
            (after_sequence ? tok.add_eos : tok.add_bos) = true;
            (after_sequence ? tok.eos_id : tok.bos_id) = json_int<int32_t>(ids[0], where + ": post_processor special token " + name);
        }
    }
}

// tokenizer_config.json writes a token as "text" or {"content": "text", ...}.
std::string token_text(const json& j) {
    if (j.is_string()) return j.get<std::string>();
    if (j.is_object()) return j.value("content", "");
    return "";
}

}  // namespace

tokenizer tokenizer_from_hf_dir(const std::string& dir) {
    const std::string path = dir + "/tokenizer.json";
    const json root = read_json(path, true);
    tokenizer tok;
    std::vector<std::pair<std::string, std::string>> merge_pairs;
    try {
        const json& model = root.at("model");
        if (type_of(model) != "BPE") fail(path + ": model.type", "unsupported '" + type_of(model) + "' (expected BPE)");
        for (const auto& [text, id] : model.at("vocab").items()) {
            const int32_t i = json_int<int32_t>(id, path + ": model.vocab[" + text + "]");
            if (i < 0) fail(path + ": model.vocab", "negative id for " + text);
            if (size_t(i) >= tok.id_to_token.size()) tok.id_to_token.resize(size_t(i) + 1);
            tok.id_to_token[size_t(i)] = text;
        }
        for (const json& m : model.at("merges")) {
            if (m.is_array()) {
                merge_pairs.emplace_back(m.at(0).get<std::string>(), m.at(1).get<std::string>());
            } else {
                const std::string s = m.get<std::string>();
                const size_t space = s.find(' ', 1);
                if (space == std::string::npos) fail(path + ": model.merges", "entry \"" + s + "\" is not \"left right\"");
                merge_pairs.emplace_back(s.substr(0, space), s.substr(space + 1));
            }
        }
        tok.byte_fallback = model.value("byte_fallback", false);
        tok.ignore_merges = model.value("ignore_merges", false);
        // An empty prefix or suffix (Whisper's tokenizer.json writes "") is the same as none.
        const auto affix_set = [&](const char* key) {
            const json v = model.value(key, json());
            return !v.is_null() && !(v.is_string() && v.get<std::string>().empty());
        };
        if (affix_set("continuing_subword_prefix") || affix_set("end_of_word_suffix")) {
            fail(path + ": model", "continuing_subword_prefix / end_of_word_suffix are not supported");
        }
        for (const json& a : root.at("added_tokens")) {
            added_token t{json_int<int32_t>(a.at("id"), path + ": added_tokens id"), a.at("content").get<std::string>(), a.value("special", false),
                          a.value("lstrip", false), a.value("rstrip", false)};
            if (a.value("single_word", false)) fail(path + ": added_tokens", "single_word is not supported (" + t.content + ")");
            if (t.id < 0) fail(path + ": added_tokens", "negative id for " + t.content);
            if (size_t(t.id) >= tok.id_to_token.size()) tok.id_to_token.resize(size_t(t.id) + 1);
            tok.id_to_token[size_t(t.id)] = t.content;
            tok.added.push_back(std::move(t));
        }
        if (tok.byte_fallback) configure_sentencepiece(tok, root, path);
        else configure_byte_level(tok, root, path);
        configure_post_processor(tok, root, path);
        if (member(model, "unk_token").is_string()) {
            auto it = model.at("vocab").find(member(model, "unk_token").get<std::string>());
            if (it != model.at("vocab").end()) tok.unk_id = json_int<int32_t>(*it, path + ": model.unk_token");
        }
    } catch (const json::exception& e) {
        fail(path, std::string("unexpected structure: ") + e.what());
    }

    const std::string config_path = dir + "/tokenizer_config.json";
    const json config = read_json(config_path, false);
    auto id_of = [&](const std::string& text) {
        for (const added_token& a : tok.added) {
            if (a.content == text) return a.id;
        }
        for (size_t i = 0; i < tok.id_to_token.size(); i++) {
            if (tok.id_to_token[i] == text) return int32_t(i);
        }
        fail(config_path, "token '" + text + "' is not in the vocabulary");
    };
    if (config.is_object()) {
        if (!member(config, "bos_token").is_null()) {
            tok.bos_token = token_text(member(config, "bos_token"));
            if (tok.bos_id < 0) tok.bos_id = id_of(tok.bos_token);
        }
        if (!member(config, "eos_token").is_null()) {
            tok.eos_token = token_text(member(config, "eos_token"));
            tok.eos_id = id_of(tok.eos_token);
        }
        if (!member(config, "pad_token").is_null()) tok.pad_id = id_of(token_text(member(config, "pad_token")));
        const json& tpl = member(config, "chat_template");
        if (tpl.is_string()) {
            tok.chat_template = tpl.get<std::string>();
        } else if (tpl.is_array()) {
            for (const json& t : tpl) {
                if (t.value("name", "") == "default") tok.chat_template = t.value("template", "");
            }
        }
    }
    if (tok.chat_template.empty()) {
        std::ifstream in(dir + "/chat_template.jinja", std::ios::binary);
        if (in) {
            std::stringstream ss;
            ss << in.rdbuf();
            tok.chat_template = ss.str();
        }
    }
    tokenizer_finalize(tok, merge_pairs, path);
    return tok;
}

}  // namespace clinote
