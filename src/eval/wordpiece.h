// BERT's WordPiece tokenizer as Hugging Face tokenizers runs it for uncased BERT models
// (all-MiniLM-L6-v2): BertNormalizer (drop controls, whitespace to spaces, spaces around CJK
// ideographs, strip accents, lower-case), BertPreTokenizer (split on whitespace, every
// punctuation character its own word), then greedy longest-match-first WordPiece with "##"
// continuations; a word with no full match, or longer than 100 characters, is [UNK].
// Non-ASCII code points outside the table's ranges (see tools/make_wordpiece_tables.py)
// are kept unchanged.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace clinote {

struct wordpiece_tokenizer {
    std::unordered_map<std::string, int32_t> vocab;
    std::vector<std::string> pieces;  // id -> piece
    int32_t unk_id = -1, cls_id = -1, sep_id = -1, pad_id = -1;
    std::string continuing_prefix = "##";
    size_t max_chars_per_word = 100;
};

// From a tokenizer.json whose model is WordPiece and whose normalizer is BertNormalizer with
// lowercase on; throws "<path>: <problem>" otherwise.
wordpiece_tokenizer wordpiece_load(const std::string& tokenizer_json_path);

// The normalised, pre-tokenised words of UTF-8 text (throws if it is not UTF-8).
std::vector<std::string> wordpiece_words(std::string_view text);
// Piece ids of the text, without [CLS]/[SEP].
std::vector<int32_t> wordpiece_encode(const wordpiece_tokenizer& tok, std::string_view text);

}  // namespace clinote
