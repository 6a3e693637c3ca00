// clinote improve: the clinic's adapter learns from the notes approved in its vault
// (improve/improve.h); --list shows every version with its scores, --use makes an earlier
// one current again, --export writes one as a PEFT adapter.
#include <cstdio>
#include <filesystem>

#include "cli/commands.h"
#include "cli/model_options.h"
#include "core/error.h"
#include "core/paths.h"
#include "core/progress.h"
#include "eval/clinical_facts.h"
#include "improve/improve.h"
#include "scribe/note_write.h"
#include "store/passphrase_input.h"
#include "train/trainer.h"

namespace clinote {

namespace {

struct improve_cli_options {
    std::string vault_dir, actor;
    bool passphrase_stdin = false;
    model_options model;
    improve_options run;
    int64_t rank = 8;
    bool list = false, json = false;
    std::vector<std::string> template_files;
    std::string use;           // a version number or "none"
    int64_t export_version = 0;
    std::string out;
};

vault_ptr vault_unlock_for(const improve_cli_options& o) {
    process_harden();
    const secret pass = o.passphrase_stdin ? passphrase_read_stdin("Vault passphrase") : passphrase_prompt("Vault passphrase");
    vault_options vo;
    vo.actor = o.actor;
    return vault_open(o.vault_dir, pass.view(), vo);
}

void current_print(int64_t version) {
    if (version > 0)
        std::printf("current: version %lld — notes are written with it\n", (long long)version);
    else
        std::printf("no current version: notes are written without a clinic adapter\n");
}

void versions_print(vault& v) {
    const std::optional<int64_t> current = vault_adapter_version_current(v);
    std::printf("%-8s %-10s %-20s %-8s %9s %9s %12s  %s\n", "version", "decision", "created", "parent", "ROUGE-1",
                "loops", "unsupported", "base");
    for (const adapter_version_record& r : vault_adapter_version_list(v)) {
        const nlohmann::json s = nlohmann::json::parse(r.scores, nullptr, false);
        const nlohmann::json c = s.is_object() ? s.value("candidate", nlohmann::json::object()) : nlohmann::json::object();
        std::printf("%-8s %-10s %-20s %-8s %9.3f %8.0f%% %12.2f  %s\n",
                    (std::to_string(r.version) + (current == r.version ? " *" : "")).c_str(), r.decision.c_str(),
                    r.created_at.c_str(), r.parent ? std::to_string(*r.parent).c_str() : "-", c.value("rouge1", 0.0),
                    100 * c.value("loop_rate", 0.0), c.value("unsupported_per_note", 0.0), r.base.c_str());
    }
    current_print(current.value_or(0));
}

void run_improve(improve_cli_options& o) {
    const int modes = int(o.list) + int(!o.use.empty()) + int(o.export_version > 0);
    if (modes > 1) fail("improve", "--list, --use and --export are separate actions: give one");
    if (o.export_version > 0 && o.out.empty()) fail("--export", "needs --out DIR");
    vault_ptr v = vault_unlock_for(o);
    if (o.list) return versions_print(*v);
    if (!o.use.empty()) {
        int64_t version = 0;
        if (o.use != "none") {
            try {
                version = std::stoll(o.use);
            } catch (const std::exception&) {
                fail("--use", "'" + o.use + "' is not a version number or none");
            }
        }
        vault_adapter_version_use(*v, version);
        current_print(version);
        return;
    }
    auto m = load_model_for_cli(o.model);
    const std::string base_name = std::filesystem::path(m->path).filename().string();
    if (o.export_version > 0) {
        const adapter_version_record r = vault_adapter_version_load(*v, o.export_version);
        const lora_adapter a = lora_adapter_from_bytes(r.weights, *m, "adapter version " + std::to_string(r.version));
        lora_adapter_save_peft(a, *m, o.out);
        std::printf("version %lld written to %s (PEFT; unencrypted: it was trained on the clinic's notes)\n",
                    (long long)r.version, o.out.c_str());
        return;
    }
    const auto start = load_adapter_for_cli(o.model, *m);
    improve_options& r = o.run;
    r.base_name = base_name;
    for (const std::string& f : o.template_files) r.templates.push_back(template_load(f));
    r.start = start.get();
    r.start_name = start ? std::filesystem::path(adapter_path_resolve(o.model)).filename().string() : "";
    r.n_ctx = o.model.n_ctx;
    r.lora.rank = int(o.rank);
    r.lora.alpha = 2.0f * float(o.rank);
    r.base_bf16 = trainer_base_bf16_choose("auto", "improve");  // BF16 products where the CPU has AMX, as train's default
    std::unique_ptr<progress_bar> bar;
    std::string phase;
    r.on_progress = [&](const improve_progress& p) {
        if (p.phase == "training") return;  // the trainer draws its own bar
        if (p.phase != phase) {
            if (bar) bar->finish();
            phase = p.phase;
            bar = std::make_unique<progress_bar>(p.phase == "current" ? "notes (current)" : "notes (candidate)", p.total,
                                                 "note");
        }
        bar->advance(1);
    };
    const improve_result res = improve_run(*v, *m, r, fact_lexicons_load(fact_lexicon_dir_default()));
    if (bar) bar->finish();
    if (o.json) {
        std::printf("%s\n", res.json().dump(2).c_str());
        return;
    }
    for (const std::string& s : res.skipped) std::fprintf(stderr, "improve: not used: %s\n", s.c_str());
    std::printf("trained on %lld approved notes, compared on %lld held back\n\n", (long long)res.n_train,
                (long long)res.n_held_back);
    std::printf("%-26s %12s %12s\n", "held-back notes", res.current_name.c_str(), "candidate");
    std::printf("%-26s %12.3f %12.3f\n", "ROUGE-1 F1", res.current.rouge1, res.candidate.rouge1);
    std::printf("%-26s %11.0f%% %11.0f%%\n", "notes that loop", 100 * res.current.loop_rate, 100 * res.candidate.loop_rate);
    std::printf("%-26s %12.2f %12.2f\n", "unsupported facts / note", res.current.unsupported_per_note,
                res.candidate.unsupported_per_note);
    std::printf("\ncandidate - current, mean [95%% interval, paired bootstrap over the held-back notes]:\n");
    std::printf("  ROUGE-1 %+.3f [%+.3f, %+.3f], unsupported facts / note %+.2f [%+.2f, %+.2f]\n", res.rouge1_delta.mean,
                res.rouge1_delta.lo, res.rouge1_delta.hi, res.unsupported_delta.mean, res.unsupported_delta.lo,
                res.unsupported_delta.hi);
    std::printf("\nversion %lld %s: %s\n", (long long)res.version.version, res.promoted ? "promoted" : "refused",
                res.reason.c_str());
}

}  // namespace

void add_improve_command(CLI::App& app) {
    auto o = std::make_shared<improve_cli_options>();
    CLI::App* cmd = app.add_subcommand(
        "improve",
        "Improve from my notes: train the clinic's adapter on the notes approved in the vault (in memory; nothing "
        "is written as plain text), compare it with the adapter in use on approved notes held back from training, "
        "and make it current only if its notes are better. Every version is kept in the vault with its scores");
    cmd->add_option("--vault", o->vault_dir, "The vault folder")->required();
    cmd->add_flag("--passphrase-stdin", o->passphrase_stdin, "Read the vault passphrase from the first line of stdin");
    cmd->add_option("--actor", o->actor, "Name recorded in the audit log (default: $USER)");
    add_model_flags(cmd, o->model);
    cmd->add_option("--template", o->run.template_name, "Only notes written in this template (default: all)");
    cmd->add_option("--template-file", o->template_files,
                    "A custom template the notes were written in (as clinote note --template-file); the vault's own "
                    "are known already");
    cmd->add_option("--since", o->run.since, "Only notes approved on or after this date (YYYY-MM-DD)");
    cmd->add_option("--hold-back", o->run.hold_back,
                    "Share of encounters held back for the comparison (chosen by encounter, the same in every run)")
        ->capture_default_str()
        ->check(CLI::Range(0.01, 0.9));
    cmd->add_option("--steps", o->run.steps, "Optimiser steps")->capture_default_str()->check(CLI::Range(1, 1000000));
    cmd->add_option("--lr", o->run.lr, "Learning rate")->capture_default_str();
    cmd->add_option("--batch", o->run.batch, "Examples per step")->capture_default_str()->check(CLI::Range(1, 256));
    cmd->add_option("--max-seq", o->run.max_seq, "Longest example in tokens (longer ones are named and left out)")
        ->capture_default_str();
    cmd->add_option("--rank", o->rank, "LoRA rank of a first version trained without a starting adapter")
        ->capture_default_str();
    cmd->add_option("--seed", o->run.seed, "Seed of the adapter's initialisation and the batch order");
    o->run.note_params = note_params_default();
    o->run.note_params.sampling.temperature = 0;  // the comparison is of greedy notes
    cmd->add_option("--max-tokens", o->run.note_params.max_tokens, "Longest held-back note written for the comparison")
        ->capture_default_str();
    cmd->add_flag("--json", o->json, "Print the comparison and decision as JSON");
    cmd->add_flag("--list", o->list, "List every version with its scores; * marks the current one");
    cmd->add_option("--use", o->use, "Make this promoted version current again (a rollback), or none");
    cmd->add_option("--export", o->export_version, "Write this version as a PEFT adapter to --out");
    cmd->add_option("--out", o->out, "With --export: the adapter folder");
    cmd->callback([o] { run_improve(*o); });
}

}  // namespace clinote
