#include "speech/whisper_decoding.h"

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "core/error.h"
#include "speech/whisper_logit_filters.h"

namespace clinote {

namespace {

struct candidate {
    std::vector<int32_t> tokens;  // without <|endoftext|>
    double sum_logprob = 0.0;
};

// A hypothesis being extended: its tokens, score, decoder cache and the logits for its next token.
struct hypothesis {
    candidate c;
    whisper_decoder_state state;
    std::vector<float> logits;
};

std::vector<float> log_softmax(const float* logits, int32_t n) {
    const float max_logit = *std::max_element(logits, logits + n);
    double sum = 0.0;
    for (int32_t i = 0; i < n; i++) sum += std::exp(double(logits[i]) - max_logit);
    const float log_z = max_logit + float(std::log(sum));
    std::vector<float> out(static_cast<size_t>(n));
    for (int32_t i = 0; i < n; i++) out[size_t(i)] = logits[i] - log_z;
    return out;
}

// openai-whisper's MaximumLikelihoodRanker without a length penalty: mean log-probability.
double rank_score(const candidate& c) { return c.sum_logprob / double(std::max<size_t>(1, c.tokens.size())); }

int32_t sample_token(const float* logits, int32_t n, float temperature, std::mt19937_64& rng) {
    std::vector<double> p(static_cast<size_t>(n));
    const float max_logit = *std::max_element(logits, logits + n);
    for (int32_t i = 0; i < n; i++) p[size_t(i)] = std::exp(double(logits[i] - max_logit) / temperature);
    std::discrete_distribution<int32_t> dist(p.begin(), p.end());
    return dist(rng);
}

struct window_run {
    const whisper_model& m;
    const whisper_cross_kv& cross;
    whisper_filter_options filters;
    int64_t max_tokens;  // sampled tokens allowed in this window

    void step(hypothesis& h, int32_t token) {
        h.c.tokens.push_back(token);
        whisper_decode(m, cross, h.state, &token, 1, 0, h.logits.data());
    }
    bool full(const hypothesis& h) const { return int64_t(h.c.tokens.size()) >= max_tokens; }

    // Greedy at temperature 0, else sampling.
    candidate sample(hypothesis h, float temperature, std::mt19937_64& rng) {
        const int32_t n_vocab = m.config.n_vocab;
        while (!full(h)) {
            whisper_apply_filters(m.vocab, filters, h.c.tokens, h.logits.data(), n_vocab);
            const int32_t token = temperature > 0.0f
                                      ? sample_token(h.logits.data(), n_vocab, temperature, rng)
                                      : int32_t(std::max_element(h.logits.begin(), h.logits.end()) - h.logits.begin());
            h.c.sum_logprob += log_softmax(h.logits.data(), n_vocab)[size_t(token)];
            if (token == m.vocab.eot) break;
            step(h, token);
        }
        return h.c;
    }

    // openai-whisper's BeamSearchDecoder: each step keeps the beam_size best unfinished
    // continuations; finished ones are collected until round(beam_size · patience) exist.
    std::vector<candidate> beam_search(hypothesis start, int beam_size, float patience) {
        const int32_t n_vocab = m.config.n_vocab;
        const size_t max_finished = size_t(std::max(1L, std::lround(beam_size * patience)));
        std::vector<hypothesis> beams;
        beams.push_back(std::move(start));
        std::vector<candidate> finished;
        struct scored {
            size_t source;
            int32_t token;
            double score;
        };
        while (!beams.empty()) {
            std::vector<scored> options;
            for (size_t b = 0; b < beams.size(); b++) {
                hypothesis& h = beams[b];
                whisper_apply_filters(m.vocab, filters, h.c.tokens, h.logits.data(), n_vocab);
                const std::vector<float> lp = log_softmax(h.logits.data(), n_vocab);
                std::vector<int32_t> ids(static_cast<size_t>(n_vocab));
                for (int32_t i = 0; i < n_vocab; i++) ids[size_t(i)] = i;
                const size_t k = std::min<size_t>(size_t(beam_size) + 1, ids.size());
                std::partial_sort(ids.begin(), ids.begin() + long(k), ids.end(),
                                  [&](int32_t a, int32_t c) { return lp[size_t(a)] > lp[size_t(c)]; });
                for (size_t i = 0; i < k; i++) options.push_back({b, ids[i], h.c.sum_logprob + lp[size_t(ids[i])]});
            }
            std::stable_sort(options.begin(), options.end(), [](const scored& a, const scored& b) { return a.score > b.score; });
            std::vector<scored> kept;
            std::vector<candidate> newly_finished;
            for (const scored& s : options) {
                if (s.token == m.vocab.eot) {
                    newly_finished.push_back({beams[s.source].c.tokens, s.score});
                } else {
                    kept.push_back(s);
                    if (int(kept.size()) == beam_size) break;
                }
            }
            for (candidate& c : newly_finished)
                if (finished.size() < max_finished) finished.push_back(std::move(c));
            if (finished.size() >= max_finished) break;

            std::vector<hypothesis> next;
            bool any_full = false;
            for (const scored& s : kept) {
                hypothesis h;
                h.c = beams[s.source].c;
                h.c.sum_logprob = s.score;
                whisper_decoder_state_copy(h.state, beams[s.source].state);
                h.logits.resize(size_t(n_vocab));
                step(h, s.token);
                any_full = any_full || full(h);
                next.push_back(std::move(h));
            }
            beams = std::move(next);
            if (any_full) break;
        }
        // Too few finished: the best unfinished beams count as ended here.
        for (const hypothesis& h : beams) {
            if (finished.size() >= size_t(beam_size)) break;
            finished.push_back(h.c);
        }
        return finished;
    }
};

}  // namespace

std::vector<int32_t> whisper_sot_sequence(const whisper_vocab& v, const std::string& language, bool translate,
                                          bool timestamps) {
    std::vector<int32_t> seq = {v.sot};
    if (v.multilingual()) {
        const int32_t lang = v.language_id(language);
        if (lang < 0) fail("--language", "unknown language code " + language);
        seq.push_back(lang);
        seq.push_back(translate ? v.translate : v.transcribe);
    }
    if (!timestamps) seq.push_back(v.no_timestamps);
    return seq;
}

std::string whisper_tokens_text(const whisper_model& m, const std::vector<int32_t>& tokens) {
    std::vector<int32_t> text;
    for (int32_t t : tokens)
        if (t < m.vocab.eot) text.push_back(t);
    return tokenizer_decode(m.tok, text, true);
}

float whisper_compression_ratio(const std::string& text) {
    if (text.empty()) return 0.0f;
    uLongf n = compressBound(uLong(text.size()));
    std::vector<Bytef> buf(n);
    if (compress2(buf.data(), &n, reinterpret_cast<const Bytef*>(text.data()), uLong(text.size()),
                  Z_DEFAULT_COMPRESSION) != Z_OK)
        fail("whisper", "zlib compression failed");
    return float(double(text.size()) / double(n));
}

std::string whisper_detect_language(const whisper_model& m, const whisper_cross_kv& cross) {
    const whisper_vocab& v = m.vocab;
    if (!v.multilingual()) return "en";
    whisper_decoder_state st = whisper_decoder_state_create(m);
    std::vector<float> logits(size_t(m.config.n_vocab));
    whisper_decode(m, cross, st, &v.sot, 1, 0, logits.data());
    size_t best = 0;
    for (size_t i = 1; i < v.languages.size(); i++)
        if (logits[size_t(v.first_language) + i] > logits[size_t(v.first_language) + best]) best = i;
    return v.languages[best];
}

static std::string trim(const std::string& s) {
    const size_t b = s.find_first_not_of(" \t\n"), e = s.find_last_not_of(" \t\n");
    return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

whisper_decoding_result whisper_decode_window(const whisper_model& m, const whisper_cross_kv& cross,
                                              const std::vector<int32_t>& prompt,
                                              const whisper_decoding_options& opt, float temperature) {
    const whisper_vocab& v = m.vocab;
    const int32_t n_vocab = m.config.n_vocab;
    whisper_decoding_result r;
    r.temperature = temperature;
    r.language = opt.language.empty() ? whisper_detect_language(m, cross) : opt.language;

    std::vector<int32_t> initial;
    if (!prompt.empty()) {
        const size_t keep = std::min(prompt.size(), size_t(m.config.n_text_ctx / 2 - 1));
        initial.push_back(v.sot_prev);
        initial.insert(initial.end(), prompt.end() - long(keep), prompt.end());
    }
    const int64_t sot_index = int64_t(initial.size());
    const std::vector<int32_t> sot = whisper_sot_sequence(v, r.language, opt.translate, opt.timestamps);
    initial.insert(initial.end(), sot.begin(), sot.end());
    const int64_t n_initial = int64_t(initial.size());
    const int64_t sample_len = opt.sample_len > 0 ? opt.sample_len : m.config.n_text_ctx / 2;

    hypothesis start;
    start.state = whisper_decoder_state_create(m);
    std::vector<float> rows(size_t((n_initial - sot_index) * n_vocab));
    whisper_decode(m, cross, start.state, initial.data(), n_initial, sot_index, rows.data());
    r.no_speech_prob = std::exp(log_softmax(rows.data(), n_vocab)[size_t(v.no_speech)]);
    start.logits.assign(rows.end() - n_vocab, rows.end());

    window_run run{m, cross, {opt.timestamps, opt.max_initial_timestamp_index},
                   std::min<int64_t>(sample_len, m.config.n_text_ctx - n_initial)};
    std::vector<candidate> candidates;
    if (temperature == 0.0f && opt.beam_size > 1) {
        candidates = run.beam_search(std::move(start), opt.beam_size, opt.patience);
    } else {
        const int n = temperature > 0.0f ? std::max(1, opt.best_of) : 1;
        std::mt19937_64 rng(opt.seed);
        for (int i = 0; i < n; i++) {
            hypothesis h;
            h.c = start.c;
            whisper_decoder_state_copy(h.state, start.state);
            h.logits = start.logits;
            candidates.push_back(run.sample(std::move(h), temperature, rng));
        }
    }
    const candidate& best = *std::max_element(candidates.begin(), candidates.end(), [](const candidate& a, const candidate& b) {
        return rank_score(a) < rank_score(b);
    });
    r.tokens = best.tokens;
    r.text = trim(whisper_tokens_text(m, r.tokens));
    r.avg_logprob = float(best.sum_logprob / double(r.tokens.size() + 1));
    r.compression_ratio = whisper_compression_ratio(r.text);
    return r;
}

}  // namespace clinote
