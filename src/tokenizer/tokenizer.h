// Tokenizers of the supported model families, equal to Hugging Face `tokenizers`:
//  - byte-level BPE (GPT-2 / SmolLM2, Llama 3, Qwen2) with the model's pre-tokenizer;
//  - SentencePiece-style BPE with byte fallback (Llama 2, TinyLlama, Gemma).
// Added/special tokens are matched in the text before the model's own splitting.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace clinote {

struct gguf_file;

enum class tokenizer_kind { byte_bpe, sentencepiece_bpe };
enum class pretokenizer_kind { gpt2, llama3, qwen2, none };

struct added_token {
    int32_t id;
    std::string content;
    bool special;
};

struct tokenizer {
    tokenizer_kind kind = tokenizer_kind::byte_bpe;
    pretokenizer_kind pretokenizer = pretokenizer_kind::gpt2;
    std::vector<std::string> id_to_token;
    std::unordered_map<std::string, int32_t> token_to_id;
    std::unordered_map<std::string, int32_t> merge_rank;  // "left right" -> rank (byte BPE and merges-based SPM)
    std::vector<float> scores;                            // SPM piece scores when there are no merges
    std::vector<added_token> added;
    bool add_bos = false;       // what HF's `tokenizer(text)` adds by default
    bool add_eos = false;
    bool add_space_prefix = false;  // SPM: "▁" before the text (Llama 2 / TinyLlama)
    int32_t bos_id = -1, eos_id = -1, unk_id = -1, pad_id = -1;
    std::vector<int32_t> eog_ids;   // tokens that end generation (eos, <|im_end|>, <|eot_id|>, <end_of_turn>, ...)
    std::string chat_template;      // Jinja source, empty if the model has none
    std::string bos_token, eos_token;  // their text, for chat templates

    int32_t n_vocab() const { return int32_t(id_to_token.size()); }
    bool is_eog(int32_t id) const;
};

tokenizer tokenizer_from_gguf(const gguf_file& gguf);           // tokenizer.ggml.* metadata
// tokenizer.json (+ tokenizer_config.json beside it for chat_template, add_bos_token, ...).
tokenizer tokenizer_from_hf_dir(const std::string& dir);

// add_special: add BOS/EOS as HF's `tokenizer(text)` does by default (apply_chat_template
// encodes with add_special = false, since the template writes them itself).
std::vector<int32_t> tokenizer_encode(const tokenizer& tok, std::string_view text, bool add_special);
// Special tokens are written out as their text unless skip_special.
std::string tokenizer_decode(const tokenizer& tok, const std::vector<int32_t>& ids, bool skip_special = false);
// The bytes one token stands for (may be part of a UTF-8 character).
std::string tokenizer_token_bytes(const tokenizer& tok, int32_t id);

}  // namespace clinote
