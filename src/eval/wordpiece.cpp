#include "eval/wordpiece.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/file.h"
#include "core/json_int.h"
#include "core/utf8.h"
#include "eval/wordpiece_tables.h"
#include "tokenizer/unicode.h"

namespace clinote {

namespace {

const wordpiece_char_info* char_info(uint32_t cp) {
    const wordpiece_char_info* end = wordpiece_char_table + wordpiece_char_table_size;
    const wordpiece_char_info* it =
        std::lower_bound(wordpiece_char_table, end, cp, [](const wordpiece_char_info& e, uint32_t v) { return e.code_point < v; });
    return it != end && it->code_point == cp ? it : nullptr;
}

bool is_cjk_ideograph(uint32_t cp) {
    return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x20000 && cp <= 0x2A6DF) ||
           (cp >= 0x2A700 && cp <= 0x2B73F) || (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B820 && cp <= 0x2CEAF) ||
           (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}

// BERT counts every non-alphanumeric printable ASCII character as punctuation ('$', '+', '^', ...).
bool is_ascii_punctuation(uint32_t cp) {
    return (cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126);
}

}  // namespace

std::vector<std::string> wordpiece_words(std::string_view text) {
    utf8_require(text, "text");
    std::vector<std::string> words;
    std::string word;
    auto end_word = [&] {
        if (!word.empty()) words.push_back(std::move(word));
        word.clear();
    };
    size_t i = 0;
    while (i < text.size()) {
        const uint32_t cp = utf8_next(text, i);
        if (cp < 0x80) {
            if (cp == '\t' || cp == '\n' || cp == '\r' || cp == ' ') end_word();
            else if (cp < 32 || cp == 127) continue;  // controls are dropped, not word breaks
            else if (is_ascii_punctuation(cp)) { end_word(); words.emplace_back(1, char(cp)); }
            else word += char(cp >= 'A' && cp <= 'Z' ? cp + 32 : cp);
            continue;
        }
        if (cp == 0xFFFD) continue;
        if (is_cjk_ideograph(cp)) {
            end_word();
            std::string one;
            utf8_append(one, cp);
            words.push_back(one);
            continue;
        }
        const wordpiece_char_info* info = char_info(cp);
        if (!info) { utf8_append(word, cp); continue; }
        if (info->flags & wordpiece_control) continue;
        if (info->flags & wordpiece_whitespace) { end_word(); continue; }
        // The normaliser rewrites before the pre-tokenizer splits, so a character's
        // replacement decides whether it is punctuation (e.g. a fullwidth letter is not).
        std::string_view rep = info->replacement;
        size_t j = 0;
        while (j < rep.size()) {
            const uint32_t r = utf8_next(rep, j);
            const wordpiece_char_info* ri = r < 0x80 ? nullptr : char_info(r);
            const bool punct = r < 0x80 ? is_ascii_punctuation(r) : ri && (ri->flags & wordpiece_punctuation);
            if (punct) {
                end_word();
                std::string one;
                utf8_append(one, r);
                words.push_back(one);
            } else {
                utf8_append(word, r);
            }
        }
    }
    end_word();
    return words;
}

std::vector<int32_t> wordpiece_encode(const wordpiece_tokenizer& tok, std::string_view text) {
    std::vector<int32_t> ids;
    for (const std::string& word : wordpiece_words(text)) {
        size_t n_chars = 0;
        for (unsigned char c : word) n_chars += (c & 0xC0) != 0x80;
        if (n_chars > tok.max_chars_per_word) { ids.push_back(tok.unk_id); continue; }
        std::vector<int32_t> word_ids;
        size_t start = 0;
        bool ok = true;
        while (start < word.size()) {
            size_t end = word.size();
            int32_t found = -1;
            while (end > start) {
                const std::string piece = (start > 0 ? tok.continuing_prefix : "") + word.substr(start, end - start);
                auto it = tok.vocab.find(piece);
                if (it != tok.vocab.end()) { found = it->second; break; }
                do end--; while (end > start && (static_cast<unsigned char>(word[end]) & 0xC0) == 0x80);
            }
            if (found < 0) { ok = false; break; }
            word_ids.push_back(found);
            start = end;
        }
        if (ok) ids.insert(ids.end(), word_ids.begin(), word_ids.end());
        else ids.push_back(tok.unk_id);
    }
    return ids;
}

wordpiece_tokenizer wordpiece_load(const std::string& path) {
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(file_read_text(path));
    } catch (const nlohmann::json::exception& e) {
        fail(path, std::string("not valid JSON: ") + e.what());
    }
    const auto& model = j.value("model", nlohmann::json::object());
    if (model.value("type", "") != "WordPiece") fail(path, "model.type is not WordPiece");
    const auto& norm = j.value("normalizer", nlohmann::json::object());
    if (norm.value("type", "") != "BertNormalizer" || !norm.value("lowercase", false))
        fail(path, "normalizer is not a lower-casing BertNormalizer (only uncased BERT tokenizers are supported)");
    if (!model.contains("vocab") || !model["vocab"].is_object()) fail(path, "model.vocab: missing or not an object");
    wordpiece_tokenizer tok;
    tok.continuing_prefix = model.value("continuing_subword_prefix", "##");
    tok.max_chars_per_word = json_int_or<size_t>(model, "max_input_chars_per_word", 100, path);
    tok.pieces.resize(model["vocab"].size());
    for (const auto& [piece, id] : model["vocab"].items()) {
        if (!id.is_number_integer() || id.get<int64_t>() < 0 || id.get<size_t>() >= tok.pieces.size())
            fail(path, "model.vocab: id of '" + piece + "' is out of range");
        tok.vocab[piece] = id.get<int32_t>();
        tok.pieces[id.get<size_t>()] = piece;
    }
    auto special = [&](const std::string& name) {
        auto it = tok.vocab.find(name);
        if (it == tok.vocab.end()) fail(path, "model.vocab: no " + name + " token");
        return it->second;
    };
    tok.unk_id = special(model.value("unk_token", "[UNK]"));
    tok.cls_id = special("[CLS]");
    tok.sep_id = special("[SEP]");
    tok.pad_id = special("[PAD]");
    return tok;
}

}  // namespace clinote
