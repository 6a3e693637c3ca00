#include "tokenizer/tokenizer.h"

#include <algorithm>
#include <cstdio>
#include <queue>

#include "core/error.h"
#include "core/utf8.h"
#include "tokenizer/pretokenize.h"
#include "tokenizer/unicode.h"

namespace clinote {
namespace {

// GPT-2's byte-to-unicode map: printable bytes stand for themselves, the rest are moved to
// U+0100 and up so every byte is a visible character in the vocabulary.
struct byte_level_map {
    std::array<std::string, 256> byte_to_char;
    std::unordered_map<uint32_t, uint8_t> char_to_byte;

    byte_level_map() {
        uint32_t next = 256;
        for (int b = 0; b < 256; b++) {
            const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            const uint32_t cp = printable ? uint32_t(b) : next++;
            utf8_append(byte_to_char[b], cp);
            char_to_byte[cp] = uint8_t(b);
        }
    }
};

const byte_level_map& byte_level() {
    static const byte_level_map map;
    return map;
}

const std::string space_marker = "\xE2\x96\x81";  // "▁", SentencePiece's space

std::string replace_all(std::string_view s, std::string_view from, std::string_view to) {
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size();) {
        if (s.compare(i, from.size(), from) == 0) {
            out += to;
            i += from.size();
        } else {
            out += s[i++];
        }
    }
    return out;
}

// "<0xNN>" -> NN, or -1.
int byte_token_value(std::string_view t) {
    if (t.size() != 6 || t.substr(0, 3) != "<0x" || t[5] != '>') return -1;
    unsigned v = 0;
    for (char c : t.substr(3, 2)) {
        const int d = c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (d < 0) return -1;
        v = v * 16 + unsigned(d);
    }
    return int(v);
}

struct bpe_symbol {
    int32_t id;
    uint32_t start, len;  // bytes of the word this symbol covers
    int32_t prev, next;
    bool mergeable;       // false for byte-fallback and unknown pieces
};

struct bpe_candidate {
    double priority;  // lower merges first
    int32_t pos;
    int32_t left, right, merged;
    bool operator>(const bpe_candidate& o) const {
        return priority != o.priority ? priority > o.priority : pos > o.pos;
    }
};

// BPE over one word (already byte-mapped or "▁"-escaped): start from its characters, then
// apply the best-ranked adjacent merge, leftmost first on ties, until none applies. This is
// the order of HF's BPE::merge_word and of SentencePiece's BPE with scores.
void bpe_encode_word(const tokenizer& tok, std::string_view word, std::vector<int32_t>& out) {
    if (tok.ignore_merges) {
        auto it = tok.token_to_id.find(word);
        if (it != tok.token_to_id.end()) {
            out.push_back(it->second);
            return;
        }
    }
    std::vector<bpe_symbol> symbols;
    for (size_t i = 0; i < word.size();) {
        const size_t start = i;
        utf8_next(word, i);
        const std::string_view ch = word.substr(start, i - start);
        auto push = [&](int32_t id, bool mergeable) {
            const int32_t n = int32_t(symbols.size());
            symbols.push_back({id, uint32_t(start), uint32_t(ch.size()), n - 1, n + 1, mergeable});
        };
        auto it = tok.token_to_id.find(ch);
        if (it != tok.token_to_id.end()) {
            push(it->second, true);
        } else if (tok.byte_fallback && std::all_of(ch.begin(), ch.end(), [&](char c) {
                       return tok.byte_token[static_cast<unsigned char>(c)] >= 0;
                   })) {
            for (char c : ch) push(tok.byte_token[static_cast<unsigned char>(c)], false);
        } else if (tok.unk_id >= 0) {
            push(tok.unk_id, false);
        }
    }
    if (symbols.empty()) return;
    symbols.back().next = -1;

    auto candidate = [&](int32_t pos, bpe_candidate& c) {
        const bpe_symbol& a = symbols[size_t(pos)];
        if (a.next < 0) return false;
        const bpe_symbol& b = symbols[size_t(a.next)];
        if (!a.mergeable || !b.mergeable) return false;
        if (!tok.merges.empty()) {
            auto it = tok.merges.find(uint64_t(uint32_t(a.id)) << 32 | uint32_t(b.id));
            if (it == tok.merges.end()) return false;
            c = {double(it->second.rank), pos, a.id, b.id, it->second.id};
        } else {
            auto it = tok.token_to_id.find(word.substr(a.start, a.len + b.len));
            if (it == tok.token_to_id.end()) return false;
            c = {-double(tok.scores[size_t(it->second)]), pos, a.id, b.id, it->second};
        }
        return true;
    };
    std::priority_queue<bpe_candidate, std::vector<bpe_candidate>, std::greater<>> queue;
    bpe_candidate c;
    for (int32_t i = 0; i + 1 < int32_t(symbols.size()); i++) {
        if (candidate(i, c)) queue.push(c);
    }
    while (!queue.empty()) {
        const bpe_candidate top = queue.top();
        queue.pop();
        bpe_symbol& a = symbols[size_t(top.pos)];
        if (a.len == 0 || a.next < 0 || a.id != top.left) continue;
        bpe_symbol& b = symbols[size_t(a.next)];
        if (b.id != top.right) continue;
        a.id = top.merged;
        a.len += b.len;
        a.next = b.next;
        b.len = 0;
        if (a.next >= 0) symbols[size_t(a.next)].prev = top.pos;
        if (a.prev >= 0 && candidate(a.prev, c)) queue.push(c);
        if (candidate(top.pos, c)) queue.push(c);
    }
    for (int32_t i = 0; i >= 0; i = symbols[size_t(i)].next) out.push_back(symbols[size_t(i)].id);
}

void encode_text(const tokenizer& tok, std::string_view text, std::vector<int32_t>& out) {
    if (text.empty()) return;
    if (tok.kind == tokenizer_kind::sentencepiece_bpe) {
        std::string word = tok.add_space_prefix ? space_marker : std::string();
        word += replace_all(text, " ", space_marker);
        bpe_encode_word(tok, word, out);
        return;
    }
    const std::string normalized = tok.nfc ? unicode_nfc(text) : std::string(text);
    std::vector<std::string_view> words;
    pretokenize(tok.pretokenizer, normalized, words);
    const byte_level_map& map = byte_level();
    std::string mapped;
    for (std::string_view w : words) {
        mapped.clear();
        for (char c : w) mapped += map.byte_to_char[static_cast<unsigned char>(c)];
        bpe_encode_word(tok, mapped, out);
    }
}

bool is_space_at(std::string_view s, size_t i, size_t& len) {
    size_t j = i;
    const uint32_t cp = utf8_next(s, j);
    len = j - i;
    return unicode_classes(cp) & unicode_whitespace;
}

// Start of the whitespace run that ends at `end`, not before `floor`.
size_t whitespace_start(std::string_view s, size_t floor, size_t end) {
    while (end > floor) {
        size_t start = end - 1;
        while (start > floor && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) start--;
        size_t len;
        if (!is_space_at(s, start, len)) break;
        end = start;
    }
    return end;
}

}  // namespace

bool tokenizer::is_eog(int32_t id) const {
    return std::find(eog_ids.begin(), eog_ids.end(), id) != eog_ids.end();
}

void tokenizer_finalize(tokenizer& tok, const std::vector<std::pair<std::string, std::string>>& merge_pairs,
                        const std::string& where) {
    const int32_t n = tok.n_vocab();
    if (n == 0) fail(where, "empty vocabulary");
    tok.token_to_id.clear();
    tok.token_to_id.reserve(size_t(n));
    for (int32_t id = 0; id < n; id++) tok.token_to_id.emplace(tok.id_to_token[size_t(id)], id);

    tok.merges.clear();
    tok.merges.reserve(merge_pairs.size());
    for (size_t rank = 0; rank < merge_pairs.size(); rank++) {
        const auto& [left, right] = merge_pairs[rank];
        auto l = tok.token_to_id.find(left), r = tok.token_to_id.find(right),
             m = tok.token_to_id.find(left + right);
        if (l == tok.token_to_id.end() || r == tok.token_to_id.end() || m == tok.token_to_id.end()) {
            fail(where, "merge " + std::to_string(rank) + " (\"" + left + " " + right + "\") uses a token not in the vocabulary");
        }
        // An earlier duplicate keeps its (better) rank, as in HF.
        tok.merges.emplace(uint64_t(uint32_t(l->second)) << 32 | uint32_t(r->second),
                           bpe_merge{int32_t(rank), m->second});
    }
    if (tok.kind == tokenizer_kind::sentencepiece_bpe && tok.merges.empty() && tok.scores.size() != size_t(n)) {
        fail(where, "SentencePiece vocabulary has neither merges nor one score per token");
    }

    auto check_id = [&](int32_t id, const char* what) {
        if (id < -1 || id >= n) fail(where, std::string(what) + " id " + std::to_string(id) + " is outside the vocabulary");
    };
    check_id(tok.bos_id, "bos");
    check_id(tok.eos_id, "eos");
    check_id(tok.unk_id, "unk");
    check_id(tok.pad_id, "pad");

    tok.special.assign(size_t(n), 0);
    for (auto& list : tok.added_by_first_byte) list.clear();
    for (size_t i = 0; i < tok.added.size(); i++) {
        const added_token& a = tok.added[i];
        check_id(a.id, "added token");
        if (a.content.empty()) fail(where, "added token " + std::to_string(a.id) + " is empty");
        if (a.special) tok.special[size_t(a.id)] = 1;
        tok.added_by_first_byte[static_cast<unsigned char>(a.content[0])].push_back(int32_t(i));
    }
    for (auto& list : tok.added_by_first_byte) {
        std::stable_sort(list.begin(), list.end(), [&](int32_t a, int32_t b) {
            return tok.added[size_t(a)].content.size() > tok.added[size_t(b)].content.size();
        });
    }

    for (int b = 0; b < 256; b++) {
        char name[8];
        std::snprintf(name, sizeof name, "<0x%02X>", b);
        auto it = tok.token_to_id.find(std::string_view(name));
        tok.byte_token[size_t(b)] = it == tok.token_to_id.end() ? -1 : it->second;
    }

    // Generation ends at EOS and at the end-of-turn tokens of the chat formats.
    static const char* const end_of_turn[] = {"<|im_end|>", "<|eot_id|>", "<|eom_id|>", "<|end_of_text|>",
                                              "<|endoftext|>", "<end_of_turn>", "<|end|>", "</s>", "<eos>"};
    tok.eog_ids.clear();
    if (tok.eos_id >= 0) tok.eog_ids.push_back(tok.eos_id);
    for (const added_token& a : tok.added) {
        if (!a.special || tok.is_eog(a.id)) continue;
        for (const char* name : end_of_turn) {
            if (a.content == name) tok.eog_ids.push_back(a.id);
        }
    }
    if (tok.bos_token.empty() && tok.bos_id >= 0) tok.bos_token = tok.id_to_token[size_t(tok.bos_id)];
    if (tok.eos_token.empty() && tok.eos_id >= 0) tok.eos_token = tok.id_to_token[size_t(tok.eos_id)];
}

std::vector<int32_t> tokenizer_encode(const tokenizer& tok, std::string_view text, bool add_special) {
    utf8_require(text, "tokenizer input");
    std::vector<int32_t> out;
    if (add_special && tok.add_bos && tok.bos_id >= 0) out.push_back(tok.bos_id);
    // Added tokens first: the leftmost match, longest at that position (HF's Aho-Corasick
    // LeftmostLongest); the text between matches goes through the model.
    size_t done = 0;  // text before this is encoded
    for (size_t i = 0; i < text.size(); i++) {
        const auto& candidates = tok.added_by_first_byte[static_cast<unsigned char>(text[i])];
        const added_token* match = nullptr;
        for (int32_t k : candidates) {
            const added_token& a = tok.added[size_t(k)];
            if (text.compare(i, a.content.size(), a.content) == 0) {
                match = &a;
                break;
            }
        }
        if (!match) continue;
        const size_t start = match->lstrip ? whitespace_start(text, done, i) : i;
        size_t end = i + match->content.size(), len;
        if (match->rstrip) {
            while (end < text.size() && is_space_at(text, end, len)) end += len;
        }
        encode_text(tok, text.substr(done, start - done), out);
        out.push_back(match->id);
        done = end;
        i = end - 1;
    }
    encode_text(tok, text.substr(done), out);
    if (add_special && tok.add_eos && tok.eos_id >= 0) out.push_back(tok.eos_id);
    return out;
}

std::string tokenizer_token_bytes(const tokenizer& tok, int32_t id) {
    if (id < 0 || id >= tok.n_vocab()) fail("tokenizer", "token id " + std::to_string(id) + " is outside the vocabulary");
    const std::string& text = tok.id_to_token[size_t(id)];
    if (tok.kind == tokenizer_kind::sentencepiece_bpe) {
        const int b = byte_token_value(text);
        return b >= 0 ? std::string(1, char(b)) : replace_all(text, space_marker, " ");
    }
    // HF's ByteLevel decoder: a token with a character outside the map is kept as is.
    const byte_level_map& map = byte_level();
    std::string bytes;
    for (size_t i = 0; i < text.size();) {
        auto it = map.char_to_byte.find(utf8_next(text, i));
        if (it == map.char_to_byte.end()) return text;
        bytes += char(it->second);
    }
    return bytes;
}

std::string tokenizer_decode(const tokenizer& tok, const std::vector<int32_t>& ids, bool skip_special) {
    std::string out;
    if (tok.kind == tokenizer_kind::byte_bpe) {
        for (int32_t id : ids) {
            const std::string bytes = tokenizer_token_bytes(tok, id);
            if (!(skip_special && tok.special[size_t(id)])) out += bytes;
        }
        return utf8_lossy(out);
    }
    // HF's Replace("▁", " ") + ByteFallback + Fuse (+ Strip): a run of <0xNN> tokens that is not
    // valid UTF-8 gives one U+FFFD per byte.
    std::string bytes_run;
    auto flush = [&] {
        if (utf8_valid(bytes_run)) {
            out += bytes_run;
        } else {
            for (size_t k = 0; k < bytes_run.size(); k++) out += "\xEF\xBF\xBD";
        }
        bytes_run.clear();
    };
    for (int32_t id : ids) {
        if (id < 0 || id >= tok.n_vocab()) fail("tokenizer", "token id " + std::to_string(id) + " is outside the vocabulary");
        if (skip_special && tok.special[size_t(id)]) continue;
        const std::string& text = tok.id_to_token[size_t(id)];
        const int b = byte_token_value(text);
        if (b >= 0) {
            bytes_run += char(b);
            continue;
        }
        flush();
        out += replace_all(text, space_marker, " ");
    }
    flush();
    if (tok.decode_strip_space && !out.empty() && out[0] == ' ') out.erase(0, 1);
    return out;
}

}  // namespace clinote
