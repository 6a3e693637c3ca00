#include "speech/whisper_logit_filters.h"

#include <algorithm>
#include <cmath>

namespace clinote {

namespace {

void forbid(float* logits, int32_t from, int32_t to) {
    for (int32_t i = std::max(from, 0); i < to; i++) logits[i] = -INFINITY;
}

// log Σ exp over [from, to) and the max over [0, from) of log_softmax(logits).
void timestamp_vs_text(const float* logits, int32_t ts_begin, int32_t n_vocab, double* ts_logprob, double* text_max) {
    double max_all = -INFINITY;
    for (int32_t i = 0; i < n_vocab; i++) max_all = std::max(max_all, double(logits[i]));
    double sum_all = 0.0, sum_ts = 0.0, max_text = -INFINITY;
    for (int32_t i = 0; i < n_vocab; i++) {
        const double e = std::exp(double(logits[i]) - max_all);
        sum_all += e;
        if (i >= ts_begin) sum_ts += e;
        else max_text = std::max(max_text, double(logits[i]));
    }
    const double log_z = max_all + std::log(sum_all);
    *ts_logprob = sum_ts > 0.0 ? max_all + std::log(sum_ts) - log_z : -INFINITY;
    *text_max = max_text - log_z;
}

}  // namespace

void whisper_apply_filters(const whisper_vocab& v, const whisper_filter_options& opt,
                           const std::vector<int32_t>& sampled, float* logits, int32_t n_vocab) {
    if (sampled.empty())
        for (int32_t id : v.suppress_begin) logits[id] = -INFINITY;
    for (int32_t id : v.suppress) logits[id] = -INFINITY;
    if (!opt.timestamps) return;

    const int32_t ts = v.timestamp_begin;
    logits[v.no_timestamps] = -INFINITY;  // chosen by the SOT sequence, never sampled
    // Timestamps come in pairs (end of one segment, start of the next), except right before
    // <|endoftext|>.
    const size_t n = sampled.size();
    const bool last_ts = n >= 1 && sampled[n - 1] >= ts;
    const bool penultimate_ts = n < 2 || sampled[n - 2] >= ts;
    if (last_ts) {
        if (penultimate_ts) forbid(logits, ts, n_vocab);  // a pair just closed: text next
        else forbid(logits, 0, v.eot);                    // an opened pair: no text
    }
    // Time never goes back, and a segment is never empty (no infinite loops).
    for (size_t i = n; i-- > 0;)
        if (sampled[i] >= ts) {
            const int32_t last = last_ts && !penultimate_ts ? sampled[i] : sampled[i] + 1;
            forbid(logits, ts, last);
            break;
        }
    if (n == 0) {
        forbid(logits, 0, ts);  // a window starts with a timestamp
        if (opt.max_initial_timestamp_index >= 0) forbid(logits, ts + opt.max_initial_timestamp_index + 1, n_vocab);
    }
    // When all timestamps together are likelier than any one text token, take a timestamp.
    double ts_logprob, text_max;
    timestamp_vs_text(logits, ts, n_vocab, &ts_logprob, &text_max);
    if (ts_logprob > text_max) forbid(logits, 0, ts);
}

}  // namespace clinote
