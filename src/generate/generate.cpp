#include "generate/generate.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "core/error.h"

namespace clinote {

size_t utf8_incomplete_tail(const std::string& s) {
    // Look back at most 3 bytes for the start of a multi-byte character.
    for (size_t back = 1; back <= 3 && back <= s.size(); back++) {
        const unsigned char b = static_cast<unsigned char>(s[s.size() - back]);
        if ((b & 0xC0) == 0x80) continue;  // continuation byte
        const size_t len = (b & 0xE0) == 0xC0 ? 2 : (b & 0xF0) == 0xE0 ? 3 : (b & 0xF8) == 0xF0 ? 4 : 1;
        return len > back ? back : 0;
    }
    return 0;
}

// How much of the text's end could be the start of a stop string (held back from the stream).
static size_t stop_prefix_tail(const std::string& text, const std::vector<std::string>& stops) {
    size_t hold = 0;
    for (const std::string& stop : stops)
        for (size_t len = stop.empty() ? 0 : std::min(stop.size() - 1, text.size()); len > hold; len--)
            if (text.compare(text.size() - len, len, stop, 0, len) == 0) { hold = len; break; }
    return hold;
}

// The step's log-normaliser and its `top` most likely tokens, read before anything changes
// the logits.
static float logprobs_read(const float* logits, int32_t n_vocab, int top, std::vector<std::pair<int32_t, float>>& best) {
    const float max = *std::max_element(logits, logits + n_vocab);
    double sum = 0;
    for (int32_t v = 0; v < n_vocab; v++) sum += std::exp(double(logits[v] - max));
    const float log_z = max + float(std::log(sum));
    std::vector<int32_t> ids(static_cast<size_t>(n_vocab));
    for (int32_t v = 0; v < n_vocab; v++) ids[size_t(v)] = v;
    const size_t k = std::min(size_t(top), ids.size());
    std::partial_sort(ids.begin(), ids.begin() + ptrdiff_t(k), ids.end(),
                      [&](int32_t a, int32_t b) { return logits[a] > logits[b] || (logits[a] == logits[b] && a < b); });
    best.clear();
    for (size_t i = 0; i < k; i++) best.emplace_back(ids[i], logits[ids[i]] - log_z);
    return log_z;
}

generate_result generate(const model& m, inference_state& st, const std::vector<int32_t>& prompt,
                         const generate_params& params, const text_callback& on_text) {
    if (!m.has_tokenizer) fail(m.path, "model has no tokenizer");
    if (prompt.empty()) fail("prompt", "empty prompt");
    using clock = std::chrono::steady_clock;
    generate_result r;
    r.n_prompt = int64_t(prompt.size());
    const int32_t n_vocab = m.config.n_vocab;
    std::vector<float> logits(static_cast<size_t>(n_vocab));
    // What the sampler sees: the answer so far (when this call continues one) and the prompt;
    // the repetition guard looks at the answer only.
    std::vector<int32_t> history = params.answer_before;
    history.insert(history.end(), prompt.begin(), prompt.end());
    if (params.answer_in_prompt < 0 || params.answer_in_prompt > int64_t(prompt.size()))
        fail("prompt", "answer_in_prompt " + std::to_string(params.answer_in_prompt) + " is not within the prompt's " +
                           std::to_string(prompt.size()) + " tokens");
    const size_t answer_start = params.answer_before.empty() ? prompt.size() - size_t(params.answer_in_prompt) : 0;
    sampler smp = sampler_create(params.sampling);
    if (params.sampling.dry_multiplier > 0.0f)
        sampler_breakers_set(smp, n_vocab, [&](int32_t t) { return tokenizer_token_bytes(m.tok, t); });

    auto t0 = clock::now();
    model_forward(m, st, prompt.data(), int64_t(prompt.size()), logits.data());
    auto t1 = clock::now();
    r.prefill_seconds = std::chrono::duration<double>(t1 - t0).count();

    std::string text;   // everything generated so far
    size_t emitted = 0; // bytes of `text` already streamed
    r.finish_reason = "length";
    token_logprob step_logprob;
    float log_z = 0;
    std::vector<float> model_logits;
    for (int i = 0; i < params.max_tokens; i++) {
        if (params.top_logprobs >= 0) {
            log_z = logprobs_read(logits.data(), n_vocab, std::min(params.top_logprobs, 20), step_logprob.top);
            model_logits.assign(logits.begin(), logits.end());
        }
        if (params.filter) params.filter->apply(logits.data(), n_vocab);
        const int32_t token = sampler_sample(smp, logits.data(), n_vocab, history, answer_start);
        if (m.tok.is_eog(token)) { r.finish_reason = "stop"; break; }
        if (params.top_logprobs >= 0) {
            step_logprob.token = token;
            step_logprob.logprob = model_logits[size_t(token)] - log_z;
            r.logprobs.push_back(step_logprob);
        }
        if (params.filter) params.filter->accept(token);
        r.tokens.push_back(token);
        history.push_back(token);
        text += tokenizer_token_bytes(m.tok, token);

        size_t stop_at = std::string::npos;
        for (const std::string& s : params.stop) {
            if (s.empty()) continue;  // an empty stop string would end every answer at once
            const size_t from = text.size() > s.size() + 64 ? text.size() - s.size() - 64 : 0;
            const size_t at = text.find(s, from);
            if (at != std::string::npos && at < stop_at) stop_at = at;
        }
        if (stop_at != std::string::npos) {
            text.resize(stop_at);
            r.finish_reason = "stop";
            break;
        }
        const size_t hold = std::max(utf8_incomplete_tail(text), stop_prefix_tail(text, params.stop));
        if (on_text && text.size() - hold > emitted) {
            if (!on_text(text.substr(emitted, text.size() - hold - emitted))) { r.finish_reason = "cancelled"; break; }
            emitted = text.size() - hold;
        }
        if (i + 1 < params.max_tokens) model_forward(m, st, &token, 1, logits.data());
    }
    if (on_text && text.size() > emitted && r.finish_reason != "cancelled") on_text(text.substr(emitted));
    r.text = text;
    r.decode_seconds = std::chrono::duration<double>(clock::now() - t1).count();
    return r;
}

}  // namespace clinote
