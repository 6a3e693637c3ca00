#include "scribe/note_write.h"

#include <cstdio>

#include "core/error.h"
#include "generate/chat_prompt.h"
#include "generate/generate_sections.h"
#include "generate/json_constraint.h"
#include "notes/json_schema_validate.h"
#include "notes/prompt.h"
#include "notes/prompt_summary.h"
#include "notes/summary_schema.h"
#include "notes/transcript.h"

namespace clinote {

namespace {

turns_prompt prompt_for(const note_request& r) {
    return [&r](const std::vector<turn>& t) { return note_messages(r, t); };
}

std::string summary_write(const note_plan& plan, const generate_params& params, const note_decoder& decode,
                          std::string& finish_reason, note_stats& stats) {
    const nlohmann::ordered_json& schema = clinical_summary_schema();
    std::vector<nlohmann::ordered_json> parts;
    for (const auto& prompt : plan.prompts) {
        const generate_result g = decode({prompt, {}, &schema}, params, {});
        note_stats_add(stats, g);
        if (g.finish_reason == "cancelled" || g.finish_reason == "length") finish_reason = g.finish_reason;
        if (g.finish_reason == "cancelled") return "";
        // ordered_json keeps the schema's key order, as generated. A local decoder's constraint
        // makes every part valid; a remote one's answer is only as good as its server.
        nlohmann::ordered_json part = nlohmann::ordered_json::parse(g.text, nullptr, false);
        if (part.is_discarded()) fail("summary", "generated JSON does not parse: " + g.text.substr(0, 200));
        const auto errors = json_schema_validate(nlohmann::json(schema), nlohmann::json(part));
        if (!errors.empty())
            fail("summary", "generated JSON does not validate: " + errors.front().path + ": " + errors.front().message);
        parts.push_back(std::move(part));
    }
    const auto summary = summaries_merge(parts);
    const auto errors = json_schema_validate(nlohmann::json(schema), nlohmann::json(summary));
    if (!errors.empty())
        fail("summary", "merged JSON does not validate: " + errors.front().path + ": " + errors.front().message);
    return summary.dump(2) + "\n";
}

}  // namespace

nlohmann::json note_messages(const note_request& r, const std::vector<turn>& turns) {
    if (r.json) return prompt_summary_messages(turns);
    prompt_options po;
    po.target_section = r.section;
    po.entity_tags = r.entity_tags;
    return prompt_messages(turns, r.tmpl, po);
}

generate_params note_params_default() {
    generate_params p;
    p.max_tokens = 512;
    p.sampling = sampler_params_for_notes();
    return p;
}

note_plan note_plan_make(const tokenizer& tok, const note_request& r) {
    if (r.json && !r.approved_note.empty()) {
        // An approved note is one part: it was written to fit, with room for its summary.
        note_plan plan;
        plan.prompts.push_back(chat_prompt_tokens(tok, prompt_summary_from_note_messages(r.approved_note), true));
        if (int64_t(plan.prompts[0].size()) + r.params.max_tokens > r.n_ctx)
            fail(r.source, "the approved note's prompt (" + std::to_string(plan.prompts[0].size()) + " tokens) and " +
                               std::to_string(r.params.max_tokens) + " tokens of summary do not fit the context of " +
                               std::to_string(r.n_ctx));
        plan.chunks.push_back({0, 0, int64_t(plan.prompts[0].size())});
        return plan;
    }
    const std::vector<turn> turns = transcript_parse(r.transcript);
    const turns_prompt prompt = prompt_for(r);
    chunk_options co;
    co.budget = r.n_ctx - r.params.max_tokens;
    co.overlap = r.overlap;
    const auto count = [&](const nlohmann::json& messages) { return int64_t(chat_prompt_tokens(tok, messages, true).size()); };
    note_plan plan;
    try {
        plan.chunks = transcript_chunks(turns, prompt, count, co);
    } catch (const error& e) {
        fail(r.source, e.what());
    }
    for (const transcript_chunk& c : plan.chunks)
        plan.prompts.push_back(chat_prompt_tokens(
            tok, prompt(std::vector<turn>(turns.begin() + long(c.begin), turns.begin() + long(c.end))), true));
    // A whole note is written in the template's sections; a single section is free text.
    if (!r.json && r.section.empty()) plan.headings = template_headings(r.tmpl);
    return plan;
}

generate_result note_part_decode(const note_part& part, const tokenizer& tok, const generate_params& params,
                                 const sections_run& run) {
    if (!part.schema) return run(part.prompt, part.headings, params);
    return json_constraint_generate(*part.schema, tok, params,
                                    [&](const generate_params& p) { return run(part.prompt, {}, p); });
}

note_decoder note_decoder_for(const model& m, const lora_adapter* adapter, int64_t n_ctx) {
    return [&m, adapter, n_ctx](const note_part& part, const generate_params& params, const text_callback& on_text) {
        return note_part_decode(part, m.tok, params, [&](const std::vector<int32_t>& prompt,
                                                         const std::vector<std::string>& headings,
                                                         const generate_params& p) {
            inference_state st = inference_state_create(m, n_ctx);
            st.adapter = adapter;
            return generate_sections(m, st, prompt, headings, p, on_text);
        });
    };
}

note_result note_write(const note_request& r, const note_plan& plan, const note_decoder& decode,
                       const text_callback& on_text) {
    note_result out;
    out.finish_reason = "stop";
    const auto emit = [&](const std::string& piece) { return !on_text || on_text(piece); };
    if (r.json) {
        out.text = summary_write(plan, r.params, decode, out.finish_reason, out.stats);
        if (out.finish_reason != "cancelled") emit(out.text);
        return out;
    }
    std::vector<std::string> parts;
    // One part streams as it is decoded; parts of a long visit mean nothing until merged.
    const text_callback stream = plan.prompts.size() == 1 ? on_text : text_callback();
    for (const auto& prompt : plan.prompts) {
        const generate_result g = decode({prompt, plan.headings, nullptr}, r.params, stream);
        note_stats_add(out.stats, g);
        if (g.finish_reason == "cancelled") return {"", "cancelled", out.stats};
        if (g.finish_reason == "length") out.finish_reason = "length";
        parts.push_back(g.text);
    }
    if (parts.size() == 1) {
        out.text = parts[0] + "\n";
        emit("\n");
    } else {
        out.text = notes_merge(parts, r.tmpl) + "\n";
        emit(out.text);
    }
    return out;
}

void note_stats_add(note_stats& s, const generate_result& g) {
    s.parts++;
    s.prompt_tokens += g.n_prompt;
    s.generated_tokens += int64_t(g.tokens.size());
    s.prefill_seconds += g.prefill_seconds;
    s.decode_seconds += g.decode_seconds;
}

namespace {

double per_second(int64_t n, double seconds) { return seconds > 0 ? double(n) / seconds : 0.0; }

}  // namespace

nlohmann::json note_stats_json(const note_stats& s) {
    return {{"parts", s.parts},
            {"prompt_tokens", s.prompt_tokens},
            {"prompt_tokens_per_s", per_second(s.prompt_tokens, s.prefill_seconds)},
            {"generated_tokens", s.generated_tokens},
            {"generated_tokens_per_s", per_second(s.generated_tokens, s.decode_seconds)},
            {"prefill_s", s.prefill_seconds},
            {"decode_s", s.decode_seconds}};
}

std::string note_stats_text(const note_stats& s) {
    char buf[256];
    std::snprintf(buf, sizeof buf,
                  "prompt %lld tokens in %.2f s (%.0f tokens/s), note %lld tokens in %.2f s (%.0f tokens/s), %lld %s",
                  (long long)s.prompt_tokens, s.prefill_seconds, per_second(s.prompt_tokens, s.prefill_seconds),
                  (long long)s.generated_tokens, s.decode_seconds, per_second(s.generated_tokens, s.decode_seconds),
                  (long long)s.parts, s.parts == 1 ? "part" : "parts");
    return buf;
}

note_result note_write(const model& m, const lora_adapter* adapter, const note_request& r, const text_callback& on_text) {
    return note_write(r, note_plan_make(m.tok, r), note_decoder_for(m, adapter, r.n_ctx), on_text);
}

}  // namespace clinote
