// Embedding similarity of a generated note to its reference with a sentence encoder:
// BERTScore-style greedy matching (bert_score's greedy_cos_idf with idf off: every word piece
// weighs 1, [CLS] and [SEP] weigh 0 but may be matched; no baseline rescaling) and the cosine
// of the two mean-pooled sentence embeddings.
#pragma once
#include <string>
#include <string_view>

#include "eval/sentence_encoder.h"

namespace clinote {

struct embedding_scores {
    double precision = 0, recall = 0, f1 = 0;  // BERTScore-style, over last-layer token embeddings
    double cosine = 0;                          // sentence embeddings
};

// Texts longer than one encoder window are encoded window by window (sentence_encode_windows);
// their sentence embedding is the normalised mean over every window's tokens. An empty side
// scores 0.
embedding_scores embedding_score(const sentence_encoder& enc, std::string_view reference, std::string_view candidate);

}  // namespace clinote
