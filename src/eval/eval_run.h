// The evaluation pipeline: a note (or a ClinicalSummary JSON) for every test encounter from
// one or two systems (a model with or without a LoRA adapter), each scored against its
// reference (ROUGE, embedding similarity, factual-error checks, loops and template echoes,
// an optional LLM judge), written as a report with the systems side by side
// (eval/eval_report.h). `clinote eval` only turns flags into an eval_request.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "eval/llm_judge.h"
#include "generate/generate.h"
#include "model/lora_adapter.h"
#include "model/model.h"

namespace clinote {

struct eval_request {
    // encounters.jsonl (clinote data import; the prompt is built by notes/prompt.h) or chat
    // JSONL ending in the reference note (clinote data export's test.jsonl)
    std::string data_path;
    std::string out_dir;                 // report folder (created)
    std::string template_name = "soap";  // for encounters with a whole note
    int64_t limit = 0;                   // only the first N items; 0: all
    int64_t n_ctx = 4096;                // every prompt plus params.max_tokens must fit
    generate_params params;
    // A ClinicalSummary per encounter (the prompt of `clinote note --json`), decoded under the
    // schema's grammar unless json_unconstrained (what the model does by itself).
    bool json = false;
    bool json_unconstrained = false;
    // An earlier one-system report on the same data and settings: its notes are scored again
    // as the "base" system instead of being generated again.
    std::string baseline_report;
    std::string train_run;    // a clinote train folder whose loss curves the report plots
    std::string encoder_dir;  // sentence encoder; empty: the default, left out with a warning when absent
    bool no_embedding = false;
    std::optional<judge_client> judge;
};

// One system of the comparison: a model file and an optional adapter applied unmerged.
struct eval_system_spec {
    std::string name;  // "model" alone; "base" and "candidate" in a comparison
    std::string model_path, adapter_path;
};

// How a system's model and adapter are loaded (the CLI reports what it loads on stderr);
// the adapter loader is called only for a non-empty adapter path.
struct eval_loaders {
    std::function<std::unique_ptr<model>(const std::string& path)> load_model;
    std::function<std::unique_ptr<lora_adapter>(const std::string& path, const model& m)> load_adapter;
};

// Reads and checks every item (each prompt must fit n_ctx before the first note is written),
// runs each system in turn (a model shared by both systems is loaded once), and writes
// examples.jsonl, summary.json, report.md and report.html to r.out_dir. Throws naming the
// file and line of a bad item, or the flag of an impossible request.
void eval_run(const eval_request& r, const std::vector<eval_system_spec>& systems, const eval_loaders& load);

}  // namespace clinote
