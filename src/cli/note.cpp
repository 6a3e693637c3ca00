// clinote note: one visit transcript → a note in a template, or a ClinicalSummary JSON that
// always parses (constrained decoding). The prompt comes from the one prompt builder.
#include <cstdio>
#include <fstream>
#include <sstream>

#include "cli/commands.h"
#include "cli/model_options.h"
#include "core/error.h"
#include "core/file.h"
#include "core/utf8.h"
#include "generate/chat_prompt.h"
#include "generate/json_constraint.h"
#include "notes/json_schema_validate.h"
#include "notes/note_template.h"
#include "notes/prompt.h"
#include "notes/prompt_summary.h"
#include "notes/summary_schema.h"
#include "notes/transcript.h"

namespace clinote {

namespace {

struct note_options {
    model_options model;
    generation_options gen;
    std::string transcript_path;
    std::string template_name = "soap";
    std::string template_file;
    std::string section;
    bool json = false;
    bool tags = false;
    std::string out;
};

std::string generate_to_stdout(const model& m, const std::vector<int32_t>& prompt, const note_options& opt,
                               generate_params params, bool stream) {
    if (int64_t(prompt.size()) + params.max_tokens > opt.model.n_ctx)
        fail(opt.transcript_path, "the prompt needs " + std::to_string(prompt.size()) + " tokens plus up to " +
                                      std::to_string(params.max_tokens) + " for the note, more than the context of " +
                                      std::to_string(opt.model.n_ctx) +
                                      " tokens; raise --ctx (the model allows " +
                                      std::to_string(m.config.n_ctx_train) + ") or lower --max-tokens");
    inference_state st = inference_state_create(m, opt.model.n_ctx);
    const generate_result r = generate(m, st, prompt, params, [&](const std::string& piece) {
        if (stream) {
            std::fwrite(piece.data(), 1, piece.size(), stdout);
            std::fflush(stdout);
        }
        return true;
    });
    if (r.finish_reason == "length") std::fprintf(stderr, "clinote: warning: the note reached --max-tokens\n");
    return r.text;
}

void run_note(const note_options& opt) {
    const std::string text = file_read_text(opt.transcript_path);
    const std::vector<turn> turns = transcript_parse(text);
    auto m = load_model_for_cli(opt.model);
    std::string result;
    if (opt.json) {
        const nlohmann::json messages = prompt_summary_messages(turns);
        auto constraint = json_constraint_create(clinical_summary_schema(), m->tok);
        generate_params params = opt.gen.params;
        params.filter = &constraint->filter;
        const std::string generated =
            generate_to_stdout(*m, chat_prompt_tokens(m->tok, messages, true), opt, params, false);
        // ordered_json keeps the schema's key order, as generated.
        const auto summary = nlohmann::ordered_json::parse(json_constraint_finish(*constraint, generated));
        const auto errors = json_schema_validate(nlohmann::json(clinical_summary_schema()), nlohmann::json(summary));
        if (!errors.empty()) fail("summary", "generated JSON does not validate: " + errors.front().path + ": " +
                                                 errors.front().message);
        result = summary.dump(2) + "\n";
        std::fwrite(result.data(), 1, result.size(), stdout);
    } else {
        std::vector<note_template> custom;
        if (!opt.template_file.empty()) custom.push_back(template_load(opt.template_file));
        const note_template t = template_find(opt.template_name, custom);
        prompt_options po;
        po.target_section = opt.section;
        po.entity_tags = opt.tags;
        const nlohmann::json messages = prompt_messages(turns, t, po);
        result = generate_to_stdout(*m, chat_prompt_tokens(m->tok, messages, true), opt, opt.gen.params, true) + "\n";
        std::fputc('\n', stdout);
    }
    if (!opt.out.empty()) {
        std::ofstream out(opt.out, std::ios::binary);
        if (!(out << result)) fail(opt.out, "cannot write");
    }
}

}  // namespace

void add_note_command(CLI::App& app) {
    auto opt = std::make_shared<note_options>();
    CLI::App* cmd = app.add_subcommand("note", "Write the note for one visit from its transcript");
    cmd->add_option("transcript", opt->transcript_path,
                    "Transcript file: UTF-8 text, one turn per line (\"Doctor: ...\", \"[patient] ...\")")
        ->required();
    add_model_flags(cmd, opt->model);
    cmd->add_option("--template", opt->template_name,
                    "Note template: soap, hp, progress, discharge, procedure, consult, dap, or the name in --template-file")
        ->capture_default_str();
    cmd->add_option("--template-file", opt->template_file, "A custom template (JSON: name, sections, optional example)");
    cmd->add_option("--section", opt->section, "Write only this section (a template heading or a section key)");
    cmd->add_flag("--json", opt->json,
                  "Write a ClinicalSummary JSON (schemas/clinical_summary.schema.json) instead; always parses and validates");
    cmd->add_flag("--tag-entities", opt->tags, "Ask for inline entity tags ({{drug:...}}, {{dose:...}}, ...)");
    cmd->add_option("-o,--out", opt->out, "Also write the note to this file");
    opt->gen.params.max_tokens = 512;
    add_generation_flags(cmd, opt->gen);
    cmd->callback([opt] { run_note(*opt); });
}

}  // namespace clinote
