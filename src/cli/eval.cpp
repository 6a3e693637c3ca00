// clinote eval: flags → an eval_request and the systems to compare (eval/eval_run.h). The
// systems: the model with its adapter alone, or a baseline (the same model without it,
// another adapter or another model) beside it.
#include <cstdio>

#include "cli/commands.h"
#include "cli/model_options.h"
#include "core/error.h"
#include "eval/eval_run.h"

namespace clinote {

namespace {

struct eval_options {
    eval_request request;
    model_options model;
    generation_options gen;
    std::string baseline_model, baseline_adapter;
    std::string judge_url, judge_model, judge_key_env = "OPENAI_API_KEY";
    int judge_retries = 2;
};

// One system alone, or base then candidate: --adapter / --baseline-adapter / --baseline-model
// each ask for a comparison, whose base defaults to the candidate's model without an adapter.
std::vector<eval_system_spec> systems_plan(const eval_options& opt) {
    const std::string model_path = opt.model.model_path.empty() ? default_model_path() : opt.model.model_path;
    model_options resolved = opt.model;
    resolved.model_path = model_path;
    const std::string adapter = adapter_path_resolve(resolved);  // the default model's adapter unless --adapter none
    eval_system_spec candidate{"candidate", model_path, adapter};
    if (!opt.request.baseline_report.empty()) {
        if (!opt.baseline_model.empty() || !opt.baseline_adapter.empty())
            fail("--baseline-report", "replaces --baseline-model and --baseline-adapter; give only one of them");
        return {candidate};
    }
    if (opt.baseline_model.empty() && opt.baseline_adapter.empty() && adapter.empty())
        return {{"model", model_path, ""}};
    eval_system_spec base{"base", opt.baseline_model.empty() ? model_path : opt.baseline_model, opt.baseline_adapter};
    if (base.model_path == candidate.model_path && base.adapter_path == candidate.adapter_path)
        fail("--baseline-adapter", "the baseline is the same model and adapter as the candidate");
    return {base, candidate};
}


void run_eval(eval_options& opt) {
    eval_request& r = opt.request;
    if (r.json_unconstrained) r.json = true;
    if (r.json && !opt.judge_url.empty()) fail("--judge-url", "the judge rates prose notes; it is not used with --json");
    if (!opt.judge_url.empty()) {
        if (opt.judge_model.empty()) fail("--judge-model", "required with --judge-url");
        judge_client jc;
        jc.base_url = opt.judge_url;
        jc.model = opt.judge_model;
        if (const char* key = std::getenv(opt.judge_key_env.c_str())) jc.api_key = key;
        jc.retries = opt.judge_retries;
        r.judge = jc;
    }
    r.params = opt.gen.params;
    r.n_ctx = opt.model.n_ctx;
    eval_loaders load;
    load.load_model = [&](const std::string& path) {
        model_options mo = opt.model;
        mo.model_path = path;
        return load_model_for_cli(mo);
    };
    load.load_adapter = [&](const std::string& path, const model& m) {
        model_options mo = opt.model;
        mo.adapter_path = path;
        return load_adapter_for_cli(mo, m);
    };
    eval_run(r, systems_plan(opt), load);
    std::fprintf(stderr, "clinote: report in %s (report.html, report.md, summary.json, examples.jsonl)\n",
                 r.out_dir.c_str());
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
    cmd->add_option("--baseline-report", opt->request.baseline_report,
                    "The folder of an earlier one-system clinote eval report on the same --data, --template, "
                    "--max-tokens and --temperature (and at least as many items): its first notes are scored again "
                    "as 'base' instead of being generated again (greedy notes are the same)");
    cmd->add_option("--data", opt->request.data_path,
                    "Test encounters: encounters.jsonl (clinote data import) or chat JSONL ending in the reference "
                    "note (clinote data export's test.jsonl)")
        ->required();
    cmd->add_option("--out", opt->request.out_dir, "Report folder (created)")->required();
    cmd->add_option("--template", opt->request.template_name,
                    "Note template for encounters.jsonl items with a full note (section-level items ask for their section)")
        ->capture_default_str();
    cmd->add_option("--limit", opt->request.limit, "Only the first N encounters; 0: all")->capture_default_str();
    cmd->add_option("--encoder", opt->request.encoder_dir,
                    "Sentence encoder folder (default: models/all-MiniLM-L6-v2, installed by `clinote models pull all-minilm-l6-v2`)");
    cmd->add_flag("--no-embedding", opt->request.no_embedding, "Skip embedding similarity");
    cmd->add_flag("--json", opt->request.json,
                  "Ask for a ClinicalSummary JSON per encounter (the prompt of clinote note --json, decoded under the "
                  "schema's grammar) and score JSON parse rate, schema conformance and, for lines with a \"summary\" "
                  "object, field-level precision/recall; needs encounters.jsonl");
    cmd->add_flag("--json-unconstrained", opt->request.json_unconstrained,
                  "With --json: decode without the grammar, to measure how often the model's own JSON parses and "
                  "conforms");
    cmd->add_option("--train-run", opt->request.train_run, "A clinote train output folder: plot its log.jsonl loss curves");
    cmd->add_option("--judge-url", opt->judge_url,
                    "OpenAI-compatible endpoint for the LLM judge (e.g. http://127.0.0.1:8080/v1, clinote serve)");
    cmd->add_option("--judge-model", opt->judge_model, "Model name to send to the judge endpoint");
    cmd->add_option("--judge-key-env", opt->judge_key_env,
                    "Environment variable holding the judge's API key (sent as a Bearer token when set)")
        ->capture_default_str();
    cmd->add_option("--judge-retries", opt->judge_retries,
                    "Retries after an unusable judge answer before the note counts as a judge failure")
        ->capture_default_str();
    cmd->callback([opt] { run_eval(*opt); });
}

}  // namespace clinote
