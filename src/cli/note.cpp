// clinote note: one visit transcript → a note in a template, or a ClinicalSummary JSON that
// always parses (constrained decoding). The flags become a note_request for the note pipeline
// (scribe/note_write.h), which the server's scribe API runs too; --save stores the visit and
// the draft in the encrypted vault.
#include <cstdio>
#include <filesystem>

#include "cli/commands.h"
#include "cli/model_options.h"
#include "cli/note_print.h"
#include "core/error.h"
#include "core/file.h"
#include "scribe/note_review.h"
#include "store/passphrase_input.h"
#include "improve/improve.h"
#include "store/vault.h"

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
    int64_t overlap = 2;
    bool check = false;
    std::string check_json;
    // --save
    bool save = false;
    std::string vault_dir;
    bool passphrase_stdin = false;
    std::string title;
    bool verbose = false;
};

// --save: unlocked before generating, so a wrong passphrase costs no generation time.
vault_ptr open_vault_for_save(const note_options& opt) {
    process_harden();
    const secret pass = opt.passphrase_stdin ? passphrase_read_stdin("Vault passphrase")
                                             : passphrase_prompt("Vault passphrase");
    return vault_open(opt.vault_dir, pass.view());
}

void run_note(const note_options& opt) {
    const bool clinic = opt.model.adapter_path == "clinic";
    if ((opt.save || clinic) && opt.vault_dir.empty()) fail(opt.save ? "--save" : "--adapter clinic", "needs --vault PATH");
    if (!opt.save && !clinic && (!opt.vault_dir.empty() || opt.passphrase_stdin))
        fail("--vault", "only with --save or --adapter clinic (the note is stored only when asked)");
    note_request r;
    r.transcript = file_read_text(opt.transcript_path);
    r.source = opt.transcript_path;
    std::vector<note_template> custom;
    if (!opt.template_file.empty()) custom.push_back(template_load(opt.template_file));
    r.tmpl = template_find(opt.template_name, custom);
    r.section = opt.section;
    r.json = opt.json;
    r.entity_tags = opt.tags;
    r.n_ctx = opt.model.n_ctx;
    r.overlap = opt.overlap;
    r.params = opt.gen.params;
    vault_ptr v = opt.save || clinic ? open_vault_for_save(opt) : nullptr;
    auto m = load_model_for_cli(opt.model);
    // --adapter clinic: the vault's current version (clinote improve), else a file's.
    std::unique_ptr<lora_adapter> adapter;
    if (clinic) {
        std::optional<lora_adapter> current =
            improve_current_adapter(*v, *m, std::filesystem::path(m->path).filename().string());
        if (!current) fail("--adapter clinic", opt.vault_dir + " has no current adapter version (run clinote improve)");
        adapter = std::make_unique<lora_adapter>(std::move(*current));
    } else {
        adapter = load_adapter_for_cli(opt.model, *m);
    }
    const note_result written = note_print(*m, adapter.get(), r, opt.out);
    const std::string& result = written.text;
    if (opt.verbose) std::fprintf(stderr, "clinote: %s\n", note_stats_text(written.stats).c_str());
    if (opt.check || !opt.check_json.empty()) {
        const note_review review = note_review_make(r, result, fact_lexicons_load(fact_lexicon_dir_default()));
        if (opt.check) std::fprintf(stderr, "clinote: %s", note_review_text(review, result).c_str());
        if (!opt.check_json.empty()) file_write(opt.check_json, note_review_json(review, result).dump(2) + "\n");
    }
    if (opt.save) {
        encounter_record e;
        e.title = opt.title.empty() ? std::filesystem::path(opt.transcript_path).filename().string() : opt.title;
        const int64_t id = vault_encounter_add(*v, e);
        vault_transcript_add(*v, id, r.transcript, opt.transcript_path);
        // The author names the model and template as the server's drafts do ("clinote:<model>:<template>"),
        // so `clinote improve` knows which prompt an approved version of this note answers.
        vault_note_add_draft(*v, id, result,
                             "clinote:" + std::filesystem::path(m->path).filename().string() + ":" +
                                 (opt.json ? std::string("summary") : r.tmpl.name));
        std::fprintf(stderr, "clinote: saved as encounter %lld in %s\n", (long long)id, opt.vault_dir.c_str());
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
    cmd->add_flag("--check", opt->check,
                  "After the note, list on stderr what a reviewer should check: facts the transcript does not support "
                  "(numbers, doses, dates, drugs, sides, negations), loops, copied instructions, empty or missing "
                  "sections");
    cmd->add_option("--check-json", opt->check_json,
                    "Write the review as JSON to this file: the flags, and the transcript line behind every supported "
                    "fact");
    cmd->add_flag("--verbose", opt->verbose,
                  "After the note, print on stderr the prompt and note tokens and their speed (tokens/s), summed over "
                  "a long visit's parts");
    cmd->add_option("--overlap-turns", opt->overlap,
                    "Long visits (the transcript does not fit --ctx): turns repeated at the start of the next part")
        ->capture_default_str();
    cmd->add_flag("--save", opt->save,
                  "Store the encounter, the transcript and the note (as an AI draft) in the encrypted vault; prints the "
                  "encounter id on stderr");
    cmd->add_option("--vault", opt->vault_dir,
                    "With --save or --adapter clinic (the vault's current adapter version, made by clinote improve): "
                    "the vault folder");
    cmd->add_flag("--passphrase-stdin", opt->passphrase_stdin,
                  "With --vault: read the vault passphrase from the first line of stdin instead of the terminal");
    cmd->add_option("--title", opt->title, "With --save: the encounter's title (default: the transcript's file name)");
    opt->gen.params = note_params_default();
    add_generation_flags(cmd, opt->gen);
    cmd->callback([opt] { run_note(*opt); });
}

}  // namespace clinote
