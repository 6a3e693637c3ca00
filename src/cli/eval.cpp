// clinote eval: writes a note for every test encounter with one or two systems (a model with or
// without a LoRA adapter, and a baseline: the same model without it, another adapter or another
// model), scores each note against its reference (ROUGE, embedding similarity, factual-error
// checks, an optional LLM judge) and writes a report with both side by side.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <sstream>

#include "cli/commands.h"
#include "cli/model_options.h"
#include "core/error.h"
#include "core/file.h"
#include "core/progress.h"
#include "eval/clinical_facts.h"
#include "eval/embedding_score.h"
#include "eval/eval_report.h"
#include "eval/factual_check.h"
#include "eval/llm_judge.h"
#include "eval/note_defects.h"
#include "eval/rouge.h"
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

struct eval_options {
    model_options model;
    generation_options gen;
    std::string baseline_model, baseline_adapter;
    std::string baseline_report;  // reuse the notes of an earlier one-system report as the base
    std::string data_path, out_dir;
    std::string template_name = "soap";
    int64_t limit = 0;
    std::string encoder_dir;
    bool no_embedding = false;
    std::string train_run;
    std::string judge_url, judge_model, judge_key_env = "OPENAI_API_KEY";
    int judge_retries = 2;
    // --json: a ClinicalSummary per encounter (the prompt of `clinote note --json`), decoded
    // under the schema's grammar unless json_unconstrained (what the model does by itself).
    bool json = false;
    bool json_unconstrained = false;
};

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
std::vector<eval_item> items_read(const eval_options& opt) {
    const note_template t = template_find(opt.template_name);
    std::istringstream lines(file_read_text(opt.data_path));
    std::vector<eval_item> items;
    std::string line;
    size_t n = 0;
    while (std::getline(lines, line)) {
        n++;
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        const std::string where = opt.data_path + ":" + std::to_string(n);
        nlohmann::json j;
        try {
            j = nlohmann::json::parse(line);
        } catch (const nlohmann::json::exception& e) {
            fail(where, std::string("not valid JSON: ") + e.what());
        }
        eval_item it;
        if (j.is_object() && j.contains("messages")) {
            if (opt.json)
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
            it.messages = opt.json ? prompt_summary_messages(e.turns) : prompt_messages(e, t, po);
            if (!opt.json && po.target_section.empty()) it.headings = template_headings(t);
            it.transcript = encounter_transcript(e);
            it.reference = encounter_reference(e);
            if (j.contains("summary")) {
                if (!j["summary"].is_object()) fail(where, "summary: expected a ClinicalSummary JSON object");
                it.reference_json = j["summary"];
            }
            if (it.reference.empty() && !(opt.json && it.reference_json))
                fail(where, opt.json ? "no reference: a note, sections or a \"summary\" object"
                                     : "no reference note (note or sections)");
        }
        for (const auto& msg : it.messages)
            if (msg.value("role", "") == "system" && msg.contains("content") && msg["content"].is_string())
                it.instructions += msg["content"].get<std::string>();
        items.push_back(std::move(it));
        if (opt.limit > 0 && int64_t(items.size()) >= opt.limit) break;
    }
    if (items.empty()) fail(opt.data_path, "no test encounters");
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

// One system of the comparison: a model file and an optional adapter applied unmerged.
struct system_spec {
    std::string name, model_path, adapter_path;
};

// One system alone, or base then candidate: --adapter / --baseline-adapter / --baseline-model
// each ask for a comparison, whose base defaults to the candidate's model without an adapter.
std::vector<system_spec> systems_plan(const eval_options& opt) {
    const std::string model_path = opt.model.model_path.empty() ? default_model_path() : opt.model.model_path;
    model_options resolved = opt.model;
    resolved.model_path = model_path;
    const std::string adapter = adapter_path_resolve(resolved);  // the default model's adapter unless --adapter none
    system_spec candidate{"candidate", model_path, adapter};
    if (!opt.baseline_report.empty()) {
        if (!opt.baseline_model.empty() || !opt.baseline_adapter.empty())
            fail("--baseline-report", "replaces --baseline-model and --baseline-adapter; give only one of them");
        return {candidate};
    }
    if (opt.baseline_model.empty() && opt.baseline_adapter.empty() && adapter.empty())
        return {{"model", model_path, ""}};
    system_spec base{"base", opt.baseline_model.empty() ? model_path : opt.baseline_model, opt.baseline_adapter};
    if (base.model_path == candidate.model_path && base.adapter_path == candidate.adapter_path)
        fail("--baseline-adapter", "the baseline is the same model and adapter as the candidate");
    return {base, candidate};
}

// The base system from an earlier report's examples.jsonl (one system, made with the same
// data, template and generation settings, on these items or more: its first notes are used):
// its notes are scored again here, so a comparison needs no second generation of the same
// greedy notes.
eval_system baseline_from_report(const std::vector<eval_item>& items, const nlohmann::json& settings,
                                 const eval_options& opt, const scorers& sc) {
    const std::string dir = opt.baseline_report;
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
            fail(where, "does not match test item " + std::to_string(sys.examples.size() + 1) + " of " + opt.data_path);
        const eval_item& it = items[sys.examples.size()];
        eval_example ex = score(it, j["generated"].get<std::string>(), sc, opt.json);
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
void require_prompts_fit(const model& m, const std::vector<eval_item>& items, const eval_options& opt) {
    std::string too_long;
    int n_too_long = 0;
    for (const eval_item& it : items) {
        const int64_t need = int64_t(chat_prompt_tokens(m.tok, it.messages, true).size()) + opt.gen.params.max_tokens;
        if (need <= opt.model.n_ctx) continue;
        if (++n_too_long <= 5) too_long += (too_long.empty() ? "" : ", ") + it.id + " (" + std::to_string(need) + ")";
    }
    if (n_too_long > 0)
        fail(opt.data_path, std::to_string(n_too_long) + " of " + std::to_string(items.size()) +
                                " prompts plus --max-tokens do not fit --ctx " + std::to_string(opt.model.n_ctx) +
                                ": " + too_long + (n_too_long > 5 ? ", ..." : "") +
                                " (positions needed in brackets; raise --ctx, lower --max-tokens, or leave them out)");
}

eval_system run_system(const system_spec& spec, const model& m, const lora_adapter* adapter,
                       const std::vector<eval_item>& items, const eval_options& opt, const scorers& sc) {
    require_prompts_fit(m, items, opt);
    eval_system sys;
    sys.name = spec.name;
    sys.description = std::filesystem::path(m.path).filename().string();
    if (adapter) sys.description += " + adapter " + spec.adapter_path;
    progress_bar bar("eval " + spec.name, int64_t(items.size()), "note");
    for (const eval_item& it : items) {
        const auto start = std::chrono::steady_clock::now();
        inference_state st = inference_state_create(m, opt.model.n_ctx);
        st.adapter = adapter;
        const std::vector<int32_t> prompt = chat_prompt_tokens(m.tok, it.messages, true);
        generate_params params = opt.gen.params;
        std::unique_ptr<json_constraint> constraint;
        if (opt.json && !opt.json_unconstrained) {
            constraint = json_constraint_create(clinical_summary_schema(), m.tok);
            params.filter = &constraint->filter;
        }
        const generate_result g = generate_sections(m, st, prompt, it.headings, params);
        const std::string text = constraint ? json_constraint_finish(*constraint, g.text) : g.text;
        eval_example ex = score(it, text, sc, opt.json);
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

void run_eval(const eval_options& opt) {
    const std::vector<eval_item> items = items_read(opt);
    scorers sc;
    sc.lexicons = fact_lexicons_load(fact_lexicon_dir_default());
    const std::string encoder_dir = opt.encoder_dir.empty() ? sentence_encoder_default_dir() : opt.encoder_dir;
    if (opt.json && !opt.judge_url.empty())
        fail("--judge-url", "the judge rates prose notes; it is not used with --json");
    if (!opt.no_embedding && !opt.json) {
        if (!opt.encoder_dir.empty() || std::filesystem::exists(encoder_dir + "/model.safetensors"))
            sc.encoder = sentence_encoder_load(encoder_dir);
        else
            std::fprintf(stderr, "clinote: warning: no sentence encoder at %s (scripts/setup.d/eval.sh installs it); "
                                 "embedding similarity is left out\n", encoder_dir.c_str());
    }
    if (!opt.judge_url.empty()) {
        if (opt.judge_model.empty()) fail("--judge-model", "required with --judge-url");
        judge_client jc;
        jc.base_url = opt.judge_url;
        jc.model = opt.judge_model;
        if (const char* key = std::getenv(opt.judge_key_env.c_str())) jc.api_key = key;
        jc.retries = opt.judge_retries;
        sc.judge = jc;
    }
    eval_report_input in;
    in.train_run_dir = opt.train_run;
    in.settings = {{"data", opt.data_path},
                   {"examples", items.size()},
                   {"template", opt.template_name},
                   {"output", !opt.json ? "note" : opt.json_unconstrained ? "ClinicalSummary JSON, unconstrained"
                                                                       : "ClinicalSummary JSON, schema-constrained"},
                   {"max_tokens", opt.gen.params.max_tokens},
                   {"temperature", opt.gen.params.sampling.temperature},
                   {"rouge", "rouge-score 0.1.2 rules, Porter stemming"},
                   {"embedding_encoder", sc.encoder ? sc.encoder->name + " (clinote engine; BERTScore-style greedy matching, "
                                                                       "no idf, no baseline rescaling)"
                                                    : std::string("none")},
                   {"judge", sc.judge ? opt.judge_model + " at " + opt.judge_url : std::string("none")}};
    std::unique_ptr<model> m;  // loaded once when both systems share it
    for (const system_spec& spec : systems_plan(opt)) {
        model_options mo = opt.model;
        mo.model_path = spec.model_path;
        mo.adapter_path = spec.adapter_path.empty() ? "none" : spec.adapter_path;
        if (!m || m->path != spec.model_path) {
            m.reset();
            m = load_model_for_cli(mo);
        }
        const auto adapter = load_adapter_for_cli(mo, *m);
        in.systems.push_back(run_system(spec, *m, adapter.get(), items, opt, sc));
    }
    // Read after generating, so a run may start while the baseline's own report is still being made.
    if (!opt.baseline_report.empty())
        in.systems.insert(in.systems.begin(), baseline_from_report(items, in.settings, opt, sc));
    eval_report_write(in, opt.out_dir);
    std::fprintf(stderr, "clinote: report in %s (report.html, report.md, summary.json, examples.jsonl)\n",
                 opt.out_dir.c_str());
}

}  // namespace

void add_eval_command(CLI::App& app) {
    auto opt = std::make_shared<eval_options>();
    CLI::App* cmd = app.add_subcommand(
        "eval",
        "Write a note for every test encounter and score it against the reference: ROUGE-1/2/L/Lsum, "
        "BERTScore-style and sentence-cosine embedding similarity (all-MiniLM-L6-v2), factual-error checks, "
        "optionally an LLM judge; writes examples.jsonl, summary.json, report.md and a self-contained report.html, "
        "with a baseline side by side when given");
    add_model_flags(cmd, opt->model);
    opt->gen.params.sampling = sampler_params_for_notes();
    add_generation_flags(cmd, opt->gen);
    cmd->add_option("--baseline-model", opt->baseline_model,
                    "A second model (.gguf or Hugging Face directory) evaluated on the same encounters and shown as "
                    "'base' beside --model ('candidate'), with paired deltas");
    cmd->add_option("--baseline-adapter", opt->baseline_adapter,
                    "A LoRA adapter (PEFT directory or GGUF LoRA) applied to the baseline system. With --adapter and "
                    "no --baseline-*, the baseline is the model without any adapter");
    cmd->add_option("--baseline-report", opt->baseline_report,
                    "The folder of an earlier one-system clinote eval report on the same --data, --template, "
                    "--max-tokens and --temperature (and at least as many items): its first notes are scored again "
                    "as 'base' instead of being generated again (greedy notes are the same)");
    cmd->add_option("--data", opt->data_path,
                    "Test encounters: encounters.jsonl (clinote data import) or chat JSONL ending in the reference "
                    "note (clinote data export's test.jsonl)")
        ->required();
    cmd->add_option("--out", opt->out_dir, "Report folder (created)")->required();
    cmd->add_option("--template", opt->template_name,
                    "Note template for encounters.jsonl items with a full note (section-level items ask for their section)")
        ->capture_default_str();
    cmd->add_option("--limit", opt->limit, "Only the first N encounters; 0: all")->capture_default_str();
    cmd->add_option("--encoder", opt->encoder_dir,
                    "Sentence encoder folder (default: models/all-MiniLM-L6-v2, installed by scripts/setup.d/eval.sh)");
    cmd->add_flag("--no-embedding", opt->no_embedding, "Skip embedding similarity");
    cmd->add_flag("--json", opt->json,
                  "Ask for a ClinicalSummary JSON per encounter (the prompt of clinote note --json, decoded under the "
                  "schema's grammar) and score JSON parse rate, schema conformance and, for lines with a \"summary\" "
                  "object, field-level precision/recall; needs encounters.jsonl");
    cmd->add_flag("--json-unconstrained", opt->json_unconstrained,
                  "With --json: decode without the grammar, to measure how often the model's own JSON parses and "
                  "conforms");
    cmd->add_option("--train-run", opt->train_run, "A clinote train output folder: plot its log.jsonl loss curves");
    cmd->add_option("--judge-url", opt->judge_url,
                    "OpenAI-compatible endpoint for the LLM judge (e.g. http://127.0.0.1:8080/v1, clinote serve)");
    cmd->add_option("--judge-model", opt->judge_model, "Model name to send to the judge endpoint");
    cmd->add_option("--judge-key-env", opt->judge_key_env,
                    "Environment variable holding the judge's API key (sent as a Bearer token when set)")
        ->capture_default_str();
    cmd->add_option("--judge-retries", opt->judge_retries,
                    "Retries after an unusable judge answer before the note counts as a judge failure")
        ->capture_default_str();
    cmd->callback([opt] {
        if (opt->json_unconstrained) opt->json = true;
        run_eval(*opt);
    });
}

}  // namespace clinote
