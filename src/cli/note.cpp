// clinote note: one visit transcript → a note in a template, or a ClinicalSummary JSON that
// always parses (constrained decoding). The prompt comes from the one prompt builder. A visit
// too long for the context is written in parts and merged (notes/long_visit.h); --save stores
// the visit and the draft in the encrypted vault.
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "cli/commands.h"
#include "cli/model_options.h"
#include "core/error.h"
#include "core/file.h"
#include "core/utf8.h"
#include "generate/chat_prompt.h"
#include "generate/generate_sections.h"
#include "generate/json_constraint.h"
#include "notes/json_schema_validate.h"
#include "notes/long_visit.h"
#include "notes/note_template.h"
#include "notes/prompt.h"
#include "notes/prompt_summary.h"
#include "notes/summary_schema.h"
#include "notes/transcript.h"
#include "store/passphrase_input.h"
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
    // --save
    bool save = false;
    std::string vault_dir;
    bool passphrase_stdin = false;
    std::string title;
};

// With headings, the note is written in those sections (generate/generate_sections.h).
std::string generate_text(const model& m, const lora_adapter* adapter, const std::vector<int32_t>& prompt,
                          const note_options& opt, const generate_params& params, bool stream,
                          const std::vector<std::string>& headings = {}) {
    inference_state st = inference_state_create(m, opt.model.n_ctx);
    st.adapter = adapter;
    const generate_result r = generate_sections(m, st, prompt, headings, params, [&](const std::string& piece) {
        if (stream) {
            std::fwrite(piece.data(), 1, piece.size(), stdout);
            std::fflush(stdout);
        }
        return true;
    });
    if (r.finish_reason == "length") std::fprintf(stderr, "clinote: warning: the note reached --max-tokens\n");
    return r.text;
}

// The transcript in chunks whose prompts fit the context with room for --max-tokens; one chunk
// unless the visit is long (notes/long_visit.h), which is said on stderr.
std::vector<transcript_chunk> chunks_for(const model& m, const std::vector<turn>& turns, const turns_prompt& prompt,
                                         const note_options& opt, int64_t max_tokens) {
    chunk_options co;
    co.budget = opt.model.n_ctx - max_tokens;
    co.overlap = opt.overlap;
    const auto count = [&](const nlohmann::json& messages) {
        return int64_t(chat_prompt_tokens(m.tok, messages, true).size());
    };
    std::vector<transcript_chunk> chunks;
    try {
        chunks = transcript_chunks(turns, prompt, count, co);
    } catch (const error& e) {
        fail(opt.transcript_path, e.what());
    }
    if (chunks.size() > 1) {
        std::fprintf(stderr,
                     "clinote: warning: the transcript does not fit the context of %lld tokens with room for a "
                     "%lld-token note; writing it in %zu parts (",
                     (long long)opt.model.n_ctx, (long long)max_tokens, chunks.size());
        for (size_t i = 0; i < chunks.size(); i++)
            std::fprintf(stderr, "%sturns %zu-%zu", i ? ", " : "", chunks[i].begin + 1, chunks[i].end);
        std::fprintf(stderr, ") and merging them; see docs/notes.md, long visits\n");
    }
    return chunks;
}

std::vector<turn> chunk_turns(const std::vector<turn>& turns, const transcript_chunk& c) {
    return std::vector<turn>(turns.begin() + long(c.begin), turns.begin() + long(c.end));
}

std::string write_summary(const model& m, const lora_adapter* adapter, const std::vector<turn>& turns,
                          const note_options& opt) {
    const turns_prompt prompt = [](const std::vector<turn>& t) { return prompt_summary_messages(t); };
    const auto chunks = chunks_for(m, turns, prompt, opt, opt.gen.params.max_tokens);
    std::vector<nlohmann::ordered_json> parts;
    for (const transcript_chunk& c : chunks) {
        auto constraint = json_constraint_create(clinical_summary_schema(), m.tok);
        generate_params params = opt.gen.params;
        params.filter = &constraint->filter;
        const std::string generated =
            generate_text(m, adapter, chat_prompt_tokens(m.tok, prompt(chunk_turns(turns, c)), true), opt, params, false);
        // ordered_json keeps the schema's key order, as generated.
        parts.push_back(nlohmann::ordered_json::parse(json_constraint_finish(*constraint, generated)));
    }
    const auto summary = summaries_merge(parts);
    const auto errors = json_schema_validate(nlohmann::json(clinical_summary_schema()), nlohmann::json(summary));
    if (!errors.empty())
        fail("summary", "generated JSON does not validate: " + errors.front().path + ": " + errors.front().message);
    std::string result = summary.dump(2) + "\n";
    std::fwrite(result.data(), 1, result.size(), stdout);
    return result;
}

std::string write_note(const model& m, const lora_adapter* adapter, const std::vector<turn>& turns,
                       const note_options& opt) {
    std::vector<note_template> custom;
    if (!opt.template_file.empty()) custom.push_back(template_load(opt.template_file));
    const note_template t = template_find(opt.template_name, custom);
    prompt_options po;
    po.target_section = opt.section;
    po.entity_tags = opt.tags;
    const turns_prompt prompt = [&](const std::vector<turn>& part) { return prompt_messages(part, t, po); };
    const auto chunks = chunks_for(m, turns, prompt, opt, opt.gen.params.max_tokens);
    // A whole note is written in the template's sections; a single section is free text.
    const std::vector<std::string> headings = opt.section.empty() ? template_headings(t) : std::vector<std::string>();
    if (chunks.size() == 1) {
        std::string result = generate_text(m, adapter, chat_prompt_tokens(m.tok, prompt(turns), true), opt,
                                           opt.gen.params, true, headings) +
                             "\n";
        std::fputc('\n', stdout);
        return result;
    }
    std::vector<std::string> parts;
    for (size_t i = 0; i < chunks.size(); i++) {
        std::fprintf(stderr, "clinote: part %zu of %zu\n", i + 1, chunks.size());
        parts.push_back(generate_text(m, adapter, chat_prompt_tokens(m.tok, prompt(chunk_turns(turns, chunks[i])), true), opt,
                                      opt.gen.params, false, headings));
    }
    std::string result = notes_merge(parts, t) + "\n";
    std::fwrite(result.data(), 1, result.size(), stdout);
    return result;
}

// --save: unlocked before generating, so a wrong passphrase costs no generation time.
vault_ptr open_vault_for_save(const note_options& opt) {
    process_harden();
    const secret pass = opt.passphrase_stdin ? passphrase_read_stdin("Vault passphrase")
                                             : passphrase_prompt("Vault passphrase");
    return vault_open(opt.vault_dir, pass.view());
}

void run_note(const note_options& opt) {
    if (opt.save && opt.vault_dir.empty()) fail("--save", "needs --vault PATH");
    if (!opt.save && (!opt.vault_dir.empty() || opt.passphrase_stdin))
        fail("--vault", "only with --save (the note is stored only when asked)");
    const std::string text = file_read_text(opt.transcript_path);
    const std::vector<turn> turns = transcript_parse(text);
    vault_ptr v = opt.save ? open_vault_for_save(opt) : nullptr;
    auto m = load_model_for_cli(opt.model);
    const auto adapter = load_adapter_for_cli(opt.model, *m);
    const std::string result =
        opt.json ? write_summary(*m, adapter.get(), turns, opt) : write_note(*m, adapter.get(), turns, opt);
    if (!opt.out.empty()) {
        std::ofstream out(opt.out, std::ios::binary);
        if (!(out << result)) fail(opt.out, "cannot write");
    }
    if (v) {
        encounter_record e;
        e.title = opt.title.empty() ? std::filesystem::path(opt.transcript_path).filename().string() : opt.title;
        const int64_t id = vault_encounter_add(*v, e);
        vault_transcript_add(*v, id, text, opt.transcript_path);
        vault_note_add_draft(*v, id, result, "clinote note (" + std::filesystem::path(m->path).filename().string() +
                                                 (opt.json ? ", ClinicalSummary JSON)" : ", " + opt.template_name + ")"));
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
    cmd->add_option("--overlap-turns", opt->overlap,
                    "Long visits (the transcript does not fit --ctx): turns repeated at the start of the next part")
        ->capture_default_str();
    cmd->add_flag("--save", opt->save,
                  "Store the encounter, the transcript and the note (as an AI draft) in the encrypted vault; prints the "
                  "encounter id on stderr");
    cmd->add_option("--vault", opt->vault_dir, "With --save: the vault folder (made by clinote store init)");
    cmd->add_flag("--passphrase-stdin", opt->passphrase_stdin,
                  "With --save: read the vault passphrase from the first line of stdin instead of the terminal");
    cmd->add_option("--title", opt->title, "With --save: the encounter's title (default: the transcript's file name)");
    opt->gen.params.sampling = sampler_params_for_notes();
    opt->gen.params.max_tokens = 512;
    add_generation_flags(cmd, opt->gen);
    cmd->callback([opt] { run_note(*opt); });
}

}  // namespace clinote
