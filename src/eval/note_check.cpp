#include "eval/note_check.h"

#include <sstream>

#include "core/error.h"
#include "core/file.h"
#include "eval/factual_check.h"
#include "eval/note_defects.h"
#include "eval/rouge.h"
#include "generate/chat_prompt.h"

namespace clinote {

namespace {

std::string message_text(const nlohmann::json& m, const std::string& where) {
    if (!m.is_object() || !m.contains("content") || !m["content"].is_string())
        fail(where, "messages: every message needs a string \"content\"");
    return m["content"].get<std::string>();
}

}  // namespace

std::vector<note_check_item> note_check_items_read(const std::string& path, const tokenizer& tok, int64_t n) {
    std::vector<std::string> lines;
    {
        std::istringstream in(file_read_text(path));
        std::string line;
        while (std::getline(in, line)) lines.push_back(line);
    }
    std::vector<size_t> chosen;
    for (size_t i = 0; i < lines.size(); i++)
        if (lines[i].find_first_not_of(" \t\r") != std::string::npos) chosen.push_back(i);
    if (chosen.empty()) fail(path, "no items to write notes for");
    if (n > 0 && size_t(n) < chosen.size()) {
        std::vector<size_t> spread;
        for (int64_t k = 0; k < n; k++) spread.push_back(chosen[size_t(k) * chosen.size() / size_t(n)]);
        chosen = spread;
    }
    std::vector<note_check_item> items;
    for (size_t i : chosen) {
        const std::string where = path + ":" + std::to_string(i + 1);
        const nlohmann::json j = nlohmann::json::parse(lines[i], nullptr, false);
        if (j.is_discarded() || !j.is_object() || !j.contains("messages"))
            fail(where, "expected {\"messages\": [..., {\"role\": \"assistant\", ...}]}");
        items.push_back(note_check_item_make(j["messages"], where, tok));
    }
    return items;
}

note_check_item note_check_item_make(const nlohmann::json& msgs, const std::string& id, const tokenizer& tok) {
    if (!msgs.is_array() || msgs.size() < 2 || !msgs.back().is_object() || msgs.back().value("role", "") != "assistant")
        fail(id, "expected {\"messages\": [..., {\"role\": \"assistant\", ...}]}");
    note_check_item it;
    it.id = id;
    nlohmann::json prompt = nlohmann::json::array();
    for (size_t k = 0; k + 1 < msgs.size(); k++) {
        const std::string role = msgs[k].is_object() ? msgs[k].value("role", "") : "";
        if (role == "system") it.instructions += message_text(msgs[k], id);
        if (role == "user") it.transcript += message_text(msgs[k], id);
        prompt.push_back(msgs[k]);
    }
    it.reference = message_text(msgs.back(), id);
    it.prompt = chat_prompt_tokens(tok, prompt, true);
    return it;
}

note_check_result note_check_run(const model& m, const lora_adapter* adapter, const std::vector<note_check_item>& items,
                                 const generate_params& params, int64_t n_ctx, const fact_lexicons& lexicons) {
    note_check_result r;
    if (items.empty()) return r;
    for (const note_check_item& it : items) {
        if (int64_t(it.prompt.size()) + params.max_tokens > n_ctx)
            fail(it.id, "prompt of " + std::to_string(it.prompt.size()) + " tokens plus " +
                            std::to_string(params.max_tokens) + " to generate does not fit the context of " +
                            std::to_string(n_ctx));
        inference_state st = inference_state_create(m, n_ctx);
        st.adapter = adapter;
        const std::string note = generate(m, st, it.prompt, params).text;
        r.rouge1 += rouge_score(it.reference, note).rouge1.fmeasure;
        r.loop_rate += note_loops(note) ? 1.0 : 0.0;
        r.echo_rate += note_echoes_instructions(note, it.instructions) ? 1.0 : 0.0;
        r.unsupported_per_note += double(factual_check(it.transcript, note, std::nullopt, lexicons).unsupported.size());
        r.notes.push_back(note);
    }
    const double n = double(items.size());
    r.rouge1 /= n;
    r.loop_rate /= n;
    r.echo_rate /= n;
    r.unsupported_per_note /= n;
    return r;
}

nlohmann::json note_check_json(const note_check_result& r) {
    return {{"rouge1", r.rouge1}, {"loop_rate", r.loop_rate}, {"echo_rate", r.echo_rate},
            {"unsupported_per_note", r.unsupported_per_note}, {"n", r.notes.size()}};
}

}  // namespace clinote
