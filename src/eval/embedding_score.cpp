#include "eval/embedding_score.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace clinote {

namespace {

// Unit-length token vectors of all windows, with bert_score's weights (0 for [CLS]/[SEP]),
// and the normalised mean of every token (mean pooling across windows).
struct token_matrix {
    std::vector<std::vector<float>> rows;
    std::vector<float> weights;
    std::vector<double> sentence;
};

token_matrix token_matrix_build(const sentence_encoder& enc, std::string_view text) {
    token_matrix m;
    m.sentence.assign(size_t(enc.dim), 0.0);
    size_t n_tokens = 0;
    for (const encoded_text& w : sentence_encode_windows(enc, text)) {
        for (size_t t = 0; t < w.ids.size(); t++) {
            const float* e = &w.token_embeddings[t * size_t(enc.dim)];
            double norm = 0;
            for (int d = 0; d < enc.dim; d++) {
                norm += double(e[d]) * e[d];
                m.sentence[size_t(d)] += e[d];
            }
            norm = std::sqrt(norm);
            std::vector<float> row(e, e + enc.dim);
            for (float& v : row) v = float(v / norm);
            m.rows.push_back(std::move(row));
            m.weights.push_back(w.ids[t] == enc.tokenizer.cls_id || w.ids[t] == enc.tokenizer.sep_id ? 0.0f : 1.0f);
            n_tokens++;
        }
    }
    double norm = 0;
    for (double& v : m.sentence) { v /= double(n_tokens); norm += v * v; }
    norm = std::max(std::sqrt(norm), 1e-12);
    for (double& v : m.sentence) v /= norm;
    return m;
}

// Weighted mean over `from`'s tokens of the best cosine with any token of `to`.
double greedy_match(const token_matrix& from, const token_matrix& to) {
    double total = 0, weight = 0;
    for (size_t i = 0; i < from.rows.size(); i++) {
        if (from.weights[i] == 0) continue;
        float best = -INFINITY;
        for (const std::vector<float>& r : to.rows) {
            float dot = 0;
            for (size_t d = 0; d < r.size(); d++) dot += from.rows[i][d] * r[d];
            best = std::max(best, dot);
        }
        total += double(best) * from.weights[i];
        weight += from.weights[i];
    }
    return weight > 0 ? total / weight : 0.0;
}

}  // namespace

embedding_scores embedding_score(const sentence_encoder& enc, std::string_view reference, std::string_view candidate) {
    const token_matrix ref = token_matrix_build(enc, reference);
    const token_matrix cand = token_matrix_build(enc, candidate);
    embedding_scores s;
    s.precision = greedy_match(cand, ref);
    s.recall = greedy_match(ref, cand);
    s.f1 = s.precision + s.recall > 0 ? 2 * s.precision * s.recall / (s.precision + s.recall) : 0.0;
    for (size_t d = 0; d < ref.sentence.size(); d++) s.cosine += ref.sentence[d] * cand.sentence[d];
    return s;
}

}  // namespace clinote
