// Tokenizers of the supported model families, equal to Hugging Face `tokenizers`:
//  - byte-level BPE (GPT-2 / SmolLM2, Llama 3, Qwen2) with the model's pre-tokenizer;
//  - SentencePiece-style BPE with byte fallback (Llama 2, TinyLlama, Gemma), ranked by
//    merges (tokenizer.json) or by piece scores (GGUF "llama" vocabularies, as SentencePiece).
// Added/special tokens are matched in the text before the model's own splitting.
// Both loaders fill one `tokenizer` and every model goes through one encode path.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace clinote {

struct gguf_file;

enum class tokenizer_kind { byte_bpe, sentencepiece_bpe };
// gpt2: ByteLevel's own regex; gpt2_digits: Digits(individual_digits) then that regex (SmolLM2);
// llama3 / qwen2: their Split regex; none: the whole text is one word (SentencePiece).
enum class pretokenizer_kind { gpt2, gpt2_digits, llama3, qwen2, none };

struct added_token {
    int32_t id;
    std::string content;
    bool special;
    bool lstrip = false;  // the match takes the whitespace before it
    bool rstrip = false;  // ... and after it
};

struct bpe_merge {
    int32_t rank;
    int32_t id;  // the merged token
};

struct string_hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

struct tokenizer {
    tokenizer_kind kind = tokenizer_kind::byte_bpe;
    pretokenizer_kind pretokenizer = pretokenizer_kind::gpt2;
    bool nfc = false;            // NFC normalizer before splitting (Qwen2)
    bool ignore_merges = false;  // a word that is itself a token skips the merges (Llama 3)
    bool byte_fallback = false;  // unknown characters become <0xNN> tokens (SentencePiece)
    bool add_space_prefix = false;  // SPM: "▁" before each text stretch (Llama 2 / TinyLlama)
    bool decode_strip_space = false;  // SPM decoder's Strip: drop the one leading space
    std::vector<std::string> id_to_token;
    std::unordered_map<std::string, int32_t, string_hash, std::equal_to<>> token_to_id;
    // (left id << 32 | right id) -> merge; when empty, pairs merge by the score of the merged
    // piece (higher first), as SentencePiece and llama.cpp's SPM tokenizer do.
    std::unordered_map<uint64_t, bpe_merge> merges;
    std::vector<float> scores;
    std::vector<added_token> added;
    bool add_bos = false;  // what HF's `tokenizer(text)` adds by default
    bool add_eos = false;
    int32_t bos_id = -1, eos_id = -1, unk_id = -1, pad_id = -1;
    std::vector<int32_t> eog_ids;   // tokens that end generation (eos, <|im_end|>, <|eot_id|>, <end_of_turn>, ...)
    std::string chat_template;      // Jinja source, empty if the model has none
    std::string bos_token, eos_token;  // their text, for chat templates

    // Filled by tokenizer_finalize from the fields above.
    std::vector<uint8_t> special;   // per id: 1 for a special added token (skip_special drops it)
    std::array<std::vector<int32_t>, 256> added_by_first_byte;  // indices into `added`, longest first
    std::array<int32_t, 256> byte_token{};  // SPM: id of <0xNN>, or -1

    int32_t n_vocab() const { return int32_t(id_to_token.size()); }
    bool is_eog(int32_t id) const;
};

tokenizer tokenizer_from_gguf(const gguf_file& gguf);           // tokenizer.ggml.* metadata
// tokenizer.json (+ tokenizer_config.json beside it for chat_template, bos/eos text, ...).
tokenizer tokenizer_from_hf_dir(const std::string& dir);

// Loaders call this last, with the merges in rank order ("left right" pairs of token text;
// none for score-ranked SPM): checks ids, fills token_to_id, merges, the look-ups and eog_ids.
// `where` names the source in errors.
void tokenizer_finalize(tokenizer& tok, const std::vector<std::pair<std::string, std::string>>& merge_pairs,
                        const std::string& where);

// add_special: add BOS/EOS as HF's `tokenizer(text)` does by default (apply_chat_template
// encodes with add_special = false, since the template writes them itself).
// Throws clinote::error if text is not UTF-8.
std::vector<int32_t> tokenizer_encode(const tokenizer& tok, std::string_view text, bool add_special);
// Special tokens are written out as their text unless skip_special.
std::string tokenizer_decode(const tokenizer& tok, const std::vector<int32_t>& ids, bool skip_special = false);
// The bytes one token stands for (may be part of a UTF-8 character).
std::string tokenizer_token_bytes(const tokenizer& tok, int32_t id);

}  // namespace clinote
