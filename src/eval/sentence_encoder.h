// A BERT sentence encoder run in clinote's engine: all-MiniLM-L6-v2 as sentence-transformers
// runs it (WordPiece, word + absolute position + token-type embeddings, post-LayerNorm
// encoder layers with exact-erf GELU, mean pooling over all tokens, L2 normalisation).
// Used for the evaluation's embedding similarity (BERTScore-style matching, sentence cosine).
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "eval/wordpiece.h"
#include "io/safetensors.h"

namespace clinote {

struct bert_layer {
    const tensor_view *q, *k, *v, *attn_out, *ffn_in, *ffn_out;
    std::vector<float> q_bias, k_bias, v_bias, attn_out_bias, attn_norm_w, attn_norm_b;
    std::vector<float> ffn_in_bias, ffn_out_bias, ffn_norm_w, ffn_norm_b;
};

struct sentence_encoder {
    std::string name;  // the model directory's name, reported with every score
    std::unique_ptr<safetensors_set> weights;
    wordpiece_tokenizer tokenizer;
    int n_layer = 0, n_head = 0, dim = 0, ffn_dim = 0;
    int max_tokens = 256;  // sentence-transformers' max_seq_length, [CLS] and [SEP] included
    float norm_eps = 1e-12f;
    const tensor_view *word_embeddings = nullptr, *position_embeddings = nullptr, *token_type_embeddings = nullptr;
    std::vector<float> embed_norm_w, embed_norm_b;
    std::vector<bert_layer> layers;
};

// A directory with config.json (BertModel), tokenizer.json (WordPiece), model.safetensors and,
// optionally, sentence_bert_config.json (max_seq_length). Throws "<file>: <problem>".
sentence_encoder sentence_encoder_load(const std::string& dir);
// all-MiniLM-L6-v2 in the models folder (core/paths.h models_dir; `clinote models pull all-minilm-l6-v2` puts it there).
std::string sentence_encoder_default_dir();

struct encoded_text {
    std::vector<int32_t> ids;               // [CLS] pieces [SEP]
    std::vector<float> token_embeddings;    // [ids.size(), dim], the last layer's hidden states
    std::vector<float> sentence_embedding;  // [dim], mean of token_embeddings, L2-normalised
};

// Runs the encoder on ids that already hold [CLS] and [SEP] (at most max_tokens of them).
encoded_text sentence_encoder_run(const sentence_encoder& enc, std::vector<int32_t> ids);
// As sentence-transformers' encode(): pieces beyond max_tokens - 2 are cut off.
encoded_text sentence_encode(const sentence_encoder& enc, std::string_view text);
// Long texts (whole notes) in consecutive windows of max_tokens - 2 pieces, each with its own
// [CLS] and [SEP], so nothing is cut off; one window for a short text (= sentence_encode).
std::vector<encoded_text> sentence_encode_windows(const sentence_encoder& enc, std::string_view text);

}  // namespace clinote
