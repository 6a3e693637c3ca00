#include "generate/generate_sections.h"

#include <algorithm>

#include "core/error.h"

namespace clinote {

namespace {

constexpr int k_reserve_per_section = 16;
constexpr const char* k_empty_section = "None documented.";

std::string trim(const std::string& s) {
    const size_t first = s.find_first_not_of(" \t\r\n");
    return first == std::string::npos ? "" : s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
}

}  // namespace

generate_result generate_sections(const tokenizer& tok, const token_sequence& seq, const std::vector<int32_t>& prompt,
                                  const std::vector<std::string>& headings, const generate_params& params,
                                  const text_callback& on_text) {
    if (headings.empty()) return seq.extend(prompt, params, on_text);
    generate_result out;
    out.n_prompt = int64_t(prompt.size());
    out.finish_reason = "stop";
    bool cancelled = false;
    const text_callback forward = [&](const std::string& piece) {
        if (on_text && !on_text(piece)) cancelled = true;
        return !cancelled;
    };
    // A section's trailing blank lines are not part of the note: white space is streamed only
    // once something follows it, so the stream adds up to the returned text.
    std::string pending;
    bool section_begun = false;  // a section's leading blank lines are dropped too
    const text_callback section_forward = [&](const std::string& piece) {
        std::string s = pending + piece;
        if (!section_begun) {
            const size_t first = s.find_first_not_of(" \t\r\n");
            s = first == std::string::npos ? "" : s.substr(first);
            section_begun = !s.empty();
        }
        const size_t last = s.find_last_not_of(" \t\r\n");
        if (last == std::string::npos) {
            pending = s;
            return !cancelled;
        }
        pending = s.substr(last + 1);
        return forward(s.substr(0, last + 1));
    };
    // A later heading at the start of a line ends the section in progress.
    generate_params section = params;
    for (const std::string& h : headings) section.stop.push_back("\n" + h);

    std::vector<int32_t> answer;  // the note's tokens so far, headings included
    // The note's positions in the cache (headings, sections, re-fed text) stay within
    // max_tokens, so a prompt that leaves max_tokens of context always fits.
    const int64_t answer_start = seq.size() + int64_t(prompt.size());
    const auto room = [&]() { return int64_t(params.max_tokens) - (std::max(seq.size(), answer_start) - answer_start); };
    // No section takes more than twice its share, so a rambling one cannot crowd out the rest.
    const int section_cap = std::max(64, 2 * params.max_tokens / int(headings.size()));
    for (size_t i = 0; i < headings.size() && !cancelled; i++) {
        const std::string head = (i == 0 ? "" : "\n\n") + headings[i] + "\n";
        const std::vector<int32_t> head_tokens = tokenizer_encode(tok, head, false);
        const int later = int(headings.size() - i - 1);
        int64_t for_text = room() - int64_t(head_tokens.size()) - k_reserve_per_section * later;
        if (for_text < 1) for_text = room() - int64_t(head_tokens.size());  // too little left to share
        if (for_text < 1) {
            out.finish_reason = "length";
            break;
        }
        std::vector<int32_t> feed = i == 0 ? prompt : std::vector<int32_t>();
        feed.insert(feed.end(), head_tokens.begin(), head_tokens.end());
        out.text += head;
        if (!forward(head)) break;
        const int64_t section_start = seq.size() + int64_t(feed.size());
        section.max_tokens = int(std::min<int64_t>(for_text, section_cap));
        pending.clear();
        section_begun = false;
        section.answer_before = answer;  // the guard sees the whole note, not one section
        const generate_result r = seq.extend(feed, section, section_forward);
        answer.insert(answer.end(), head_tokens.begin(), head_tokens.end());
        out.prefill_seconds += r.prefill_seconds;
        out.decode_seconds += r.decode_seconds;
        out.tokens.insert(out.tokens.end(), r.tokens.begin(), r.tokens.end());
        if (r.finish_reason == "cancelled") {
            out.finish_reason = "cancelled";
            break;
        }
        std::string text = trim(r.text);
        std::string generated;
        for (int32_t t : r.tokens) generated += tokenizer_token_bytes(tok, t);
        const bool cut = generated.size() > r.text.size();  // a stop string (a heading) was cut off
        bool user_stop = false;
        if (cut)
            for (const std::string& s : params.stop)
                if (!s.empty() && generated.find(s, r.text.size()) == r.text.size()) user_stop = true;
        if (text.empty()) {
            text = k_empty_section;
            forward(text);
        }
        out.text += text;
        bool full = r.finish_reason == "length";
        // The sequence must hold what the answer says: the section without what was cut (a
        // heading the model began, or blank lines) or with the empty-section words.
        if (cut || text != r.text) {
            seq.rewind(section_start, {});
            const std::vector<int32_t> kept = tokenizer_encode(tok, text, false);
            answer.insert(answer.end(), kept.begin(), kept.end());
            if (i + 1 < headings.size()) {
                if (int64_t(kept.size()) <= room()) seq.rewind(section_start, kept);
                else full = true;  // re-tokenised, the text would not fit: the note ends here
            }
        } else {
            answer.insert(answer.end(), r.tokens.begin(), r.tokens.end());
        }
        if (user_stop) break;
        if (full && (later == 0 || room() - k_reserve_per_section * later < 0)) {
            out.finish_reason = "length";
            break;
        }
    }
    if (cancelled) out.finish_reason = "cancelled";
    return out;
}

generate_result generate_sections(const model& m, inference_state& st, const std::vector<int32_t>& prompt,
                                  const std::vector<std::string>& headings, const generate_params& params,
                                  const text_callback& on_text) {
    token_sequence seq;
    seq.extend = [&](const std::vector<int32_t>& feed, const generate_params& p, const text_callback& cb) {
        const int64_t start = st.n_past;
        generate_result r = generate(m, st, feed, p, cb);
        // generate leaves the token that reached max_tokens out of the cache (nothing follows
        // it there); the next section follows it, so the cache must hold it.
        if (r.finish_reason == "length" && !r.tokens.empty() &&
            st.n_past < start + int64_t(feed.size() + r.tokens.size())) {
            std::vector<float> logits(size_t(m.config.n_vocab));
            model_forward(m, st, &r.tokens.back(), 1, logits.data());
        }
        return r;
    };
    seq.size = [&]() { return st.n_past; };
    seq.rewind = [&](int64_t n, const std::vector<int32_t>& tokens) {
        inference_state_truncate(st, n);
        if (tokens.empty()) return;
        std::vector<float> logits(size_t(m.config.n_vocab));
        model_forward(m, st, tokens.data(), int64_t(tokens.size()), logits.data());
    };
    return generate_sections(m.tok, seq, prompt, headings, params, on_text);
}

}  // namespace clinote
