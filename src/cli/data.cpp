// clinote data: import datasets into encounters.jsonl, show statistics, split without
// leakage, and export chat-format training data built by the shared prompt builder.
#include <cstdio>
#include <fstream>
#include <memory>

#include "cli/commands.h"
#include "cli/model_options.h"
#include "core/error.h"
#include "data/encounter_store.h"
#include "data/export.h"
#include "data/import.h"
#include "data/split.h"
#include "data/stats.h"
#include "model/model.h"
#include "notes/note_template.h"
#include "train/train_data.h"

namespace clinote {

namespace {

struct data_import_options {
    std::vector<std::string> inputs;
    std::string format = "auto";
    std::string on_error_name = "fail";
    std::string output = "encounters.jsonl";
};

struct data_split_flags {
    std::string ratios = "0.8,0.1,0.1";
    uint64_t seed = 42;
    bool no_stratify = false;
    std::vector<std::string> holdout;
};

struct data_split_options {
    std::string input;
    std::string output = "splits.json";
    data_split_flags split;
};

struct data_export_options {
    std::string input;
    std::string output_dir = "train-data";
    std::string splits_file;
    data_split_flags split;
    std::string template_name;  // empty: the --template-file template, else hp
    std::string template_file;
    bool tag_entities = false;
    export_format format = export_format::messages;
};

struct data_tokens_options {
    std::string input;
    std::string model;          // a GGUF or a Hugging Face model folder
    std::string tokenizer_dir;  // or only a tokenizer: tokenizer.json + tokenizer_config.json
    std::string chat_template;  // --chat-template
    bool all_tokens = false;
};

struct data_stats_options {
    std::string input;
    bool json = false;
};

void add_split_flags(CLI::App* cmd, data_split_flags& f) {
    cmd->add_option("--ratios", f.ratios, "Train,valid,test fractions of conversation groups")->capture_default_str();
    cmd->add_option("--seed", f.seed, "Seed of the shuffle; the same seed and encounters give the same split")
        ->capture_default_str();
    cmd->add_flag("--no-stratify", f.no_stratify,
                  "Shuffle all groups together instead of splitting each target section separately");
    cmd->add_option("--holdout-concept", f.holdout,
                    "Send every encounter that mentions this drug or condition (whole words, any case) to test; "
                    "repeatable");
}

split_options split_options_from(const data_split_flags& f) {
    split_options o;
    split_parse_ratios(f.ratios, o);
    o.seed = f.seed;
    o.stratify = !f.no_stratify;
    o.holdout_concepts = f.holdout;
    return o;
}

void write_json_file(const std::string& path, const nlohmann::json& j) {
    std::ofstream out(path, std::ios::binary);
    if (!out) fail(path, "cannot create");
    out << j.dump(1) << '\n';
    if (!out.flush()) fail(path, "write failed");
}

void run_import(const data_import_options& opt) {
    import_options o;
    if (opt.on_error_name == "skip") o.policy = on_error::skip;
    else if (opt.on_error_name == "fail") o.policy = on_error::fail;
    else fail("--on-error " + opt.on_error_name, "expected skip or fail");
    import_report r;
    std::vector<encounter> all;
    for (const auto& in : opt.inputs) {
        const size_t before = all.size();
        encounters_append_unique(all, import_any(in, opt.format, o, r), o, r);
        std::fprintf(stderr, "clinote: %s: %zu encounters\n", in.c_str(), all.size() - before);
    }
    for (const auto& p : r.problems) std::fprintf(stderr, "clinote: skipped %s\n", p.c_str());
    encounters_write(opt.output, all);
    std::fprintf(stderr, "clinote: wrote %zu encounters to %s (%zu rows read, %zu skipped)\n", all.size(),
                 opt.output.c_str(), r.read, r.skipped);
}

void run_stats(const data_stats_options& opt) {
    const dataset_stats s = stats_compute(encounters_read(opt.input));
    const std::string text = opt.json ? stats_to_json(s).dump(1) + "\n" : stats_to_text(s);
    std::fwrite(text.data(), 1, text.size(), stdout);
}

void print_split_counts(const split_result& s) {
    size_t n[3] = {0, 0, 0};
    for (const auto& [id, split] : s.split_of) n[split == "train" ? 0 : split == "valid" ? 1 : 2]++;
    std::fprintf(stderr, "clinote: train %zu, valid %zu, test %zu encounters (%zu held out by concept)\n", n[0], n[1],
                 n[2], s.held_out.size());
}

void run_split(const data_split_options& opt) {
    const split_options so = split_options_from(opt.split);
    const split_result s = split_encounters(encounters_read(opt.input), so);
    write_json_file(opt.output, split_to_json(s, so));
    print_split_counts(s);
}

void run_export(const data_export_options& opt) {
    const auto encounters = encounters_read(opt.input);
    std::vector<note_template> custom;
    if (!opt.template_file.empty()) custom.push_back(template_load(opt.template_file));
    const std::string name = !opt.template_name.empty() ? opt.template_name : !custom.empty() ? custom[0].name : "hp";
    const note_template t = template_find(name, custom);
    split_result s;
    split_options so;
    if (!opt.splits_file.empty()) {
        std::ifstream in(opt.splits_file, std::ios::binary);
        if (!in) fail(opt.splits_file, "cannot open");
        nlohmann::json j;
        try {
            j = nlohmann::json::parse(in);
        } catch (const nlohmann::json::exception& e) {
            fail(opt.splits_file, std::string("not valid JSON: ") + e.what());
        }
        s = split_from_json(j, opt.splits_file);
    } else {
        so = split_options_from(opt.split);
        s = split_encounters(encounters, so);
    }
    export_options eo;
    eo.entity_tags = opt.tag_entities;
    eo.format = opt.format;
    // export_chat_jsonl creates the output folder, so splits.json is written after it.
    const auto n = export_chat_jsonl(encounters, s, t, eo, opt.output_dir);
    if (opt.splits_file.empty()) write_json_file(opt.output_dir + "/splits.json", split_to_json(s, so));
    print_split_counts(s);
    std::fprintf(stderr, "clinote: wrote %s/{train,valid,test}.jsonl: %zu, %zu, %zu examples (template %s%s)\n",
                 opt.output_dir.c_str(), n[0], n[1], n[2], t.name.c_str(), opt.tag_entities ? ", entity tags" : "");
}

// What `clinote train` trains on, one JSON line per example: TRL's column names, so a
// tokenized dataset can be compared with (or fed to) TRL's SFTTrainer.
void run_tokens(const data_tokens_options& opt) {
    if (opt.model.empty() == opt.tokenizer_dir.empty()) fail("data tokens", "give --model or --tokenizer (one of them)");
    std::unique_ptr<model> m;
    tokenizer tok;
    if (!opt.model.empty()) {
        m = model_load(opt.model);
        tok = m->tok;
    } else {
        tok = tokenizer_from_hf_dir(opt.tokenizer_dir);
    }
    if (const std::string t = chat_template_from_flag(opt.chat_template); !t.empty()) tok.chat_template = t;
    train_data_options o;
    o.max_seq = INT64_MAX;
    o.completion_only = !opt.all_tokens;
    for (const train_example& ex : train_split_read(opt.input, tok, o).examples)
        std::printf("%s\n", nlohmann::json{{"id", ex.id}, {"input_ids", ex.tokens}, {"completion_mask", ex.scored}}.dump().c_str());
}

}  // namespace

void add_data_command(CLI::App& app) {
    CLI::App* data = app.add_subcommand("data", "Import datasets, show statistics, split and export training data");
    data->require_subcommand(1);

    auto imp = std::make_shared<data_import_options>();
    CLI::App* c_import = data->add_subcommand("import", "Read dataset files into one encounters.jsonl");
    c_import->add_option("inputs", imp->inputs, "Dataset files (CSV, JSON, JSONL) or PriMock57 folders")->required();
    c_import->add_option("--format", imp->format,
                         "auto (from name and CSV header), mts-dialog, aci-csv, aci-json, primock or jsonl")
        ->capture_default_str();
    c_import->add_option("--on-error", imp->on_error_name,
                         "What to do with a malformed row: fail (stop, naming file:line) or skip (report and go on)")
        ->capture_default_str();
    c_import->add_option("-o,--output", imp->output, "Where to write the encounters (JSON lines)")->capture_default_str();
    c_import->callback([imp] { run_import(*imp); });

    auto st = std::make_shared<data_stats_options>();
    CLI::App* c_stats = data->add_subcommand("stats", "Counts, lengths, sections and speakers of an encounters file");
    c_stats->add_option("input", st->input, "encounters.jsonl written by data import")->required();
    c_stats->add_flag("--json", st->json, "Print the figures as JSON");
    c_stats->callback([st] { run_stats(*st); });

    auto sp = std::make_shared<data_split_options>();
    CLI::App* c_split = data->add_subcommand(
        "split", "Assign whole conversations to train/valid/test and write the assignment as JSON");
    c_split->add_option("input", sp->input, "encounters.jsonl written by data import")->required();
    c_split->add_option("-o,--output", sp->output, "Where to write the split (JSON: ids per split)")
        ->capture_default_str();
    add_split_flags(c_split, sp->split);
    c_split->callback([sp] { run_split(*sp); });

    auto ex = std::make_shared<data_export_options>();
    CLI::App* c_export = data->add_subcommand(
        "export", "Write train/valid/test.jsonl chat examples ({\"messages\":[system,user,assistant]})");
    c_export->add_option("input", ex->input, "encounters.jsonl written by data import")->required();
    c_export->add_option("-o,--output-dir", ex->output_dir, "Folder for train.jsonl, valid.jsonl, test.jsonl")
        ->capture_default_str();
    auto* splits = c_export->add_option("--splits", ex->splits_file,
                                        "Use this split (from data split) instead of splitting here; without it the "
                                        "split flags below apply and splits.json is written to the output folder");
    add_split_flags(c_export, ex->split);
    for (const char* flag : {"--ratios", "--seed", "--no-stratify", "--holdout-concept"})
        c_export->get_option(flag)->excludes(splits);
    c_export->add_option("--template", ex->template_name,
                         "Note template for full notes: soap, hp, progress, discharge, procedure, consult, dap, or "
                         "the name in --template-file (default: the --template-file template, else hp)");
    c_export->add_option("--template-file", ex->template_file, "A user-defined template (JSON, see docs/data.md)");
    c_export->add_option("--format", ex->format,
                         "messages: {\"messages\":[system,user,assistant]}; trl: TRL's conversational "
                         "prompt-completion form {\"prompt\":[system,user],\"completion\":[assistant]}, on which "
                         "SFTTrainer scores the completion only, the tokens `clinote train` scores")
        ->transform(CLI::CheckedTransformer(std::map<std::string, export_format>{
            {"messages", export_format::messages}, {"trl", export_format::prompt_completion}}))
        ->default_str("messages");
    c_export->add_flag("--tag-entities", ex->tag_entities,
                       "Mark drugs, doses, diagnoses, labs and vitals in the reference notes as {{type:value}} and "
                       "ask for them in the prompt");
    c_export->callback([ex] { run_export(*ex); });

    auto tk = std::make_shared<data_tokens_options>();
    CLI::App* c_tokens = data->add_subcommand(
        "tokens", "Print the token ids and loss mask clinote train uses for each example of a JSONL file, as JSON "
                  "lines {id, input_ids, completion_mask} (TRL's names)");
    c_tokens->add_option("input", tk->input, "A JSONL file of examples (messages, or prompt/completion)")->required();
    c_tokens->add_option("-m,--model", tk->model, "The model whose tokenizer and chat template to use (GGUF or HF folder)");
    c_tokens->add_option("--tokenizer", tk->tokenizer_dir,
                         "Only a Hugging Face tokenizer folder (tokenizer.json, tokenizer_config.json with its chat "
                         "template)");
    c_tokens->add_option("--chat-template", tk->chat_template,
                         "Chat template instead of the tokenizer's own: a built-in name or a Jinja file");
    c_tokens->add_flag("--all-tokens", tk->all_tokens, "Score every token after the first, not only the answers");
    c_tokens->callback([tk] { run_tokens(*tk); });
}

}  // namespace clinote
