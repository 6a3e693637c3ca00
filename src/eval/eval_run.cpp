// The evaluation pipeline (eval/eval_run.h): items read and checked, notes written by each
// system, scored, and the report written.
#include "eval/eval_run.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "core/error.h"
#include "core/file.h"
#include "core/progress.h"
#include "eval/clinical_facts.h"
#include "eval/embedding_score.h"
#include "eval/eval_report.h"
#include "eval/factual_check.h"
#include "eval/note_defects.h"
#include "eval/rouge.h"
#include "eval/sentence_encoder.h"
#include "eval/structured_check.h"
#include "generate/chat_prompt.h"
#include "generate/generate_sections.h"
#include "generate/json_constraint.h"
#include "notes/encounter.h"
#include "notes/note_template.h"
#include "notes/prompt.h"
#include "notes/prompt_summary.h"
#include "notes/summary_schema.h"

namespace clinote {

namespace {

// One test item: the chat messages to send, the transcript text (for factual checks and the
// judge) and the reference note.
struct eval_item {
    std::string id;
    nlohmann::json messages;
    std::string transcript, reference;
    std::string instructions;  // the system message, to tell an echo of it
    std::vector<std::string> headings;  // a whole note in a template: written in its sections
    std::optional<nlohmann::json> reference_json;  // the line's "summary", for --json field scores
};

// encounters.jsonl lines (prompt built here by the one prompt builder) or chat-export lines
// ({"messages": [system, user, assistant]}, as clinote data export writes test.jsonl).
std::vector<eval_item> items_read(const eval_request& r) {
    const note_template t = template_find(r.template_name);
    std::istringstream lines(file_read_text(r.data_path));
    std::vector<eval_item> items;
    std::string line;
    size_t n = 0;
    while (std::getline(lines, line)) {
        n++;
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        const std::string where = r.data_path + ":" + std::to_string(n);
        nlohmann::json j;
        try {
            j = nlohmann::json::parse(line);
        } catch (const nlohmann::json::exception& e) {
            fail(where, std::string("not valid JSON: ") + e.what());
        }
        eval_item it;
        if (j.is_object() && j.contains("messages")) {
            if (r.json)
                fail(where, "--json needs encounters (clinote data import's encounters.jsonl): the summary prompt is "
                            "built from the turns, and this line is a chat export");
            const auto& m = j["messages"];
            if (!m.is_array() || m.size() < 2 || !m.back().is_object() || m.back().value("role", "") != "assistant" ||
                !m.back().contains("content") || !m.back()["content"].is_string())
                fail(where, "messages: expected a chat ending in the assistant's reference note");
            it.id = j.value("id", "line " + std::to_string(n));
            it.reference = m.back()["content"].get<std::string>();
            it.messages = nlohmann::json::array();
            for (size_t i = 0; i + 1 < m.size(); i++) {
                it.messages.push_back(m[i]);
                if (m[i].value("role", "") == "user" && m[i].contains("content") && m[i]["content"].is_string())
                    it.transcript += m[i]["content"].get<std::string>();
            }
        } else {
            const encounter e = encounter_from_json(j, where);
            prompt_options po;
            po.target_section = prompt_default_target(e);
            it.id = e.id;
            it.messages = r.json ? prompt_summary_messages(e.turns) : prompt_messages(e, t, po);
            if (!r.json && po.target_section.empty()) it.headings = template_headings(t);
            it.transcript = encounter_transcript(e);
            it.reference = encounter_reference(e);
            if (j.contains("summary")) {
                if (!j["summary"].is_object()) fail(where, "summary: expected a ClinicalSummary JSON object");
                it.reference_json = j["summary"];
            }
            if (it.reference.empty() && !(r.json && it.reference_json))
                fail(where, r.json ? "no reference: a note, sections or a \"summary\" object"
                                     : "no reference note (note or sections)");
        }
        for (const auto& msg : it.messages)
            if (msg.value("role", "") == "system" && msg.contains("content") && msg["content"].is_string())
                it.instructions += msg["content"].get<std::string>();
        items.push_back(std::move(it));
        if (r.limit > 0 && int64_t(items.size()) >= r.limit) break;
    }
    if (items.empty()) fail(r.data_path, "no test encounters");
    return items;
}

struct scorers {
    std::optional<sentence_encoder> encoder;
    fact_lexicons lexicons;
    std::optional<judge_client> judge;
};

// ROUGE and embedding similarity of a prose note against the reference note.
void score_prose(const eval_item& it, const std::string& generated, const scorers& sc, eval_example& ex) {
    const rouge_scores r = rouge_score(it.reference, generated);
    ex.metrics["rouge1"] = r.rouge1.fmeasure;
    ex.metrics["rouge2"] = r.rouge2.fmeasure;
    ex.metrics["rougeL"] = r.rougeL.fmeasure;
    ex.metrics["rougeLsum"] = r.rougeLsum.fmeasure;
    if (sc.encoder) {
        const embedding_scores e = embedding_score(*sc.encoder, it.reference, generated);
        ex.metrics["bertscore_precision"] = e.precision;
        ex.metrics["bertscore_recall"] = e.recall;
        ex.metrics["bertscore_f1"] = e.f1;
        ex.metrics["embedding_cosine"] = e.cosine;
    }
}

// A generated ClinicalSummary: does it parse and conform, how many fields agree with the
// reference summary (when the line has one); prose metrics (ROUGE, embeddings) compare notes
// and are left out.
void score_json(const eval_item& it, const std::string& generated, eval_example& ex) {
    const structured_result s = structured_check(generated, nlohmann::json(clinical_summary_schema()), it.reference_json);
    ex.metrics["json_parsed"] = s.parsed ? 1.0 : 0.0;
    ex.metrics["json_schema_valid"] = s.schema_valid ? 1.0 : 0.0;
    if (s.parsed && s.has_reference) {
        ex.metrics["json_field_precision"] = s.precision;
        ex.metrics["json_field_recall"] = s.recall;
        ex.metrics["json_field_f1"] = s.f1;
    }
    if (!s.error.empty()) ex.details["json_error"] = s.error;
}

eval_example score(const eval_item& it, const std::string& generated, const scorers& sc, bool json) {
    eval_example ex;
    ex.id = it.id;
    ex.reference = it.reference_json && it.reference.empty() ? it.reference_json->dump(2) : it.reference;
    ex.generated = generated;
    if (json) score_json(it, generated, ex);
    else score_prose(it, generated, sc, ex);
    // Facts in the note (or the JSON's values) that the transcript does not support, and facts of
    // the reference note missing from it.
    const factual_report f = factual_check(it.transcript, generated, std::string_view(it.reference), sc.lexicons);
    ex.metrics["unsupported_facts"] = double(f.unsupported.size());
    ex.metrics["omitted_facts"] = double(f.omissions.size());
    if (!json) {
        ex.metrics["loop"] = note_loops(generated) ? 1.0 : 0.0;
        ex.metrics["template_echo"] = note_echoes_instructions(generated, it.instructions) ? 1.0 : 0.0;
    }
    ex.details["factual"] = factual_report_json(f);
    if (sc.judge && !json) {
        const judge_result j = judge_note(*sc.judge, it.transcript, it.reference, generated);
        ex.metrics["judge_failed"] = j.ok ? 0.0 : 1.0;
        if (j.ok) ex.metrics["judge_total"] = j.weighted_total;
        ex.details["judge"] = judge_result_json(j);
    }
    return ex;
}

// The base system from an earlier report's examples.jsonl (one system, made with the same
// data, template and generation settings, on these items or more: its first notes are used):
// its notes are scored again here, so a comparison needs no second generation of the same
// greedy notes.
eval_system baseline_from_report(const std::vector<eval_item>& items, const nlohmann::json& settings,
                                 const eval_request& r, const scorers& sc) {
    const std::string dir = r.baseline_report;
    const nlohmann::json old = nlohmann::json::parse(file_read_text(dir + "/summary.json"), nullptr, false);
    if (!old.is_object() || !old.contains("systems") || !old["systems"].is_object() || old["systems"].size() != 1)
        fail(dir + "/summary.json", "expected the summary of a report with one system");
    for (const char* key : {"data", "template", "output", "max_tokens", "temperature"}) {
        // Reports written before --json existed have no "output": they hold notes.
        const nlohmann::json was = old["settings"].value(key, key == std::string("output") ? nlohmann::json("note")
                                                                                          : nlohmann::json());
        if (was != settings[key])
            fail(dir + "/summary.json",
                 std::string("settings.") + key + " is " + was.dump() + ", this run's is " + settings[key].dump());
    }
    eval_system sys;
    sys.name = "base";
    sys.description = old["systems"].begin().value().value("description", "") + " (notes from " + dir + ")";
    std::istringstream lines(file_read_text(dir + "/examples.jsonl"));
    std::string line;
    for (size_t n = 1; sys.examples.size() < items.size() && std::getline(lines, line); n++) {
        const std::string where = dir + "/examples.jsonl:" + std::to_string(n);
        const nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
        if (!j.is_object() || !j.contains("generated") || !j["generated"].is_string() || !j.contains("metrics"))
            fail(where, "expected an example line of clinote eval");
        if (j.value("id", "") != items[sys.examples.size()].id)
            fail(where, "does not match test item " + std::to_string(sys.examples.size() + 1) + " of " + r.data_path);
        const eval_item& it = items[sys.examples.size()];
        eval_example ex = score(it, j["generated"].get<std::string>(), sc, r.json);
        for (const char* key : {"generated_tokens", "seconds"})
            if (j["metrics"].contains(key)) ex.metrics[key] = j["metrics"][key].get<double>();
        for (const char* key : {"prompt_tokens", "finish_reason"})
            if (j.contains("details") && j["details"].contains(key)) ex.details[key] = j["details"][key];
        sys.examples.push_back(std::move(ex));
    }
    if (sys.examples.size() != items.size())
        fail(dir + "/examples.jsonl", "has only " + std::to_string(sys.examples.size()) + " notes for " +
                                          std::to_string(items.size()) + " test items");
    return sys;
}

// Every item is checked before the first note is generated: a run of hours must not stop
// at item 37 because that visit is long. All items that do not fit are named at once.
void require_prompts_fit(const model& m, const std::vector<eval_item>& items, const eval_request& r) {
    std::string too_long;
    int n_too_long = 0;
    for (const eval_item& it : items) {
        const int64_t need = int64_t(chat_prompt_tokens(m.tok, it.messages, true).size()) + r.params.max_tokens;
        if (need <= r.n_ctx) continue;
        if (++n_too_long <= 5) too_long += (too_long.empty() ? "" : ", ") + it.id + " (" + std::to_string(need) + ")";
    }
    if (n_too_long > 0)
        fail(r.data_path, std::to_string(n_too_long) + " of " + std::to_string(items.size()) +
                                " prompts plus --max-tokens do not fit --ctx " + std::to_string(r.n_ctx) +
                                ": " + too_long + (n_too_long > 5 ? ", ..." : "") +
                                " (positions needed in brackets; raise --ctx, lower --max-tokens, or leave them out)");
}

eval_system run_system(const eval_system_spec& spec, const model& m, const lora_adapter* adapter,
                       const std::vector<eval_item>& items, const eval_request& r, const scorers& sc) {
    require_prompts_fit(m, items, r);
    eval_system sys;
    sys.name = spec.name;
    sys.description = std::filesystem::path(m.path).filename().string();
    if (adapter) sys.description += " + adapter " + spec.adapter_path;
    progress_bar bar("eval " + spec.name, int64_t(items.size()), "note");
    for (const eval_item& it : items) {
        const auto start = std::chrono::steady_clock::now();
        inference_state st = inference_state_create(m, r.n_ctx);
        st.adapter = adapter;
        const std::vector<int32_t> prompt = chat_prompt_tokens(m.tok, it.messages, true);
        generate_params params = r.params;
        std::unique_ptr<json_constraint> constraint;
        if (r.json && !r.json_unconstrained) {
            constraint = json_constraint_create(clinical_summary_schema(), m.tok);
            params.filter = &constraint->filter;
        }
        const generate_result g = generate_sections(m, st, prompt, it.headings, params);
        const std::string text = constraint ? json_constraint_finish(*constraint, g.text) : g.text;
        eval_example ex = score(it, text, sc, r.json);
        ex.metrics["generated_tokens"] = double(g.tokens.size());
        ex.metrics["seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        ex.details["prompt_tokens"] = g.n_prompt;
        ex.details["finish_reason"] = g.finish_reason;
        sys.examples.push_back(std::move(ex));
        bar.advance();
    }
    bar.finish();
    return sys;
}

}  // namespace

void eval_run(const eval_request& r, const std::vector<eval_system_spec>& systems, const eval_loaders& load) {
    const std::vector<eval_item> items = items_read(r);
    scorers sc;
    sc.lexicons = fact_lexicons_load(fact_lexicon_dir_default());
    const std::string encoder_dir = r.encoder_dir.empty() ? sentence_encoder_default_dir() : r.encoder_dir;
    if (!r.no_embedding && !r.json) {
        if (!r.encoder_dir.empty() || std::filesystem::exists(encoder_dir + "/model.safetensors"))
            sc.encoder = sentence_encoder_load(encoder_dir);
        else
            std::fprintf(stderr, "clinote: warning: no sentence encoder at %s (`clinote models pull all-minilm-l6-v2` installs it); "
                                 "embedding similarity is left out\n", encoder_dir.c_str());
    }
    if (r.judge && !r.json) sc.judge = r.judge;
    eval_report_input in;
    in.train_run_dir = r.train_run;
    in.settings = {{"data", r.data_path},
                   {"examples", items.size()},
                   {"template", r.template_name},
                   {"output", !r.json ? "note" : r.json_unconstrained ? "ClinicalSummary JSON, unconstrained"
                                                                   : "ClinicalSummary JSON, schema-constrained"},
                   {"max_tokens", r.params.max_tokens},
                   {"temperature", r.params.sampling.temperature},
                   {"rouge", "rouge-score 0.1.2 rules, Porter stemming"},
                   {"embedding_encoder", sc.encoder ? sc.encoder->name + " (clinote engine; BERTScore-style greedy matching, "
                                                                       "no idf, no baseline rescaling)"
                                                    : std::string("none")},
                   {"judge", sc.judge ? sc.judge->model + " at " + sc.judge->base_url : std::string("none")}};
    std::unique_ptr<model> m;  // loaded once when both systems share it
    for (const eval_system_spec& spec : systems) {
        if (!m || m->path != spec.model_path) {
            m.reset();
            m = load.load_model(spec.model_path);
        }
        const std::unique_ptr<lora_adapter> adapter = spec.adapter_path.empty() ? nullptr : load.load_adapter(spec.adapter_path, *m);
        in.systems.push_back(run_system(spec, *m, adapter.get(), items, r, sc));
    }
    // Read after generating, so a run may start while the baseline's own report is still being made.
    if (!r.baseline_report.empty())
        in.systems.insert(in.systems.begin(), baseline_from_report(items, in.settings, r, sc));
    eval_report_write(in, r.out_dir);
}

}  // namespace clinote
