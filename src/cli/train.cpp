// clinote train: LoRA / QLoRA fine-tuning of a model on a chat dataset directory, or with
// --full a full fine-tune of every weight, written as a GGUF model.
#include <sys/resource.h>

#include <cstdio>
#include <map>
#include <memory>
#include <sstream>

#include "cli/commands.h"
#include "cli/model_options.h"
#include "core/error.h"
#include "eval/note_check.h"
#include "model/adapter_qlora.h"
#include "quant/quant.h"
#include "train/lora_init.h"
#include "train/trainer.h"

namespace clinote {

namespace {

struct train_cli {
    model_options model;
    std::string data_dir;
    trainer_options trainer;
    lora_config lora;
    std::string targets = "q,k,v,o,gate,up,down";
    std::string schedule = "cosine";
    bool all_tokens = false;
    bool nf4 = false;
    std::string matmul = "auto";
    // --eval-generate: notes for this many validation items at every validation
    int64_t eval_generate = 0;
    int eval_generate_tokens = 256;
    int64_t eval_generate_ctx = 4096;
    std::string init_adapter;  // --init-adapter
    std::string full_type = "f16";  // --type of a full fine-tune's model.gguf
};

// trainer_options::score_notes for --eval-generate: greedy notes with the note guard
// (sampler_params_for_notes), as clinote note and eval write them; the score is their ROUGE-1.
std::function<nlohmann::json(const model&, const lora_adapter*)> note_scorer_make(const model& m, const train_cli& o) {
    auto items = std::make_shared<std::vector<note_check_item>>(
        note_check_items_read(o.data_dir + "/valid.jsonl", m.tok, o.eval_generate));
    auto lexicons = std::make_shared<fact_lexicons>(fact_lexicons_load(fact_lexicon_dir_default()));
    generate_params params;
    params.max_tokens = o.eval_generate_tokens;
    params.sampling = sampler_params_for_notes();
    const int64_t n_ctx = o.eval_generate_ctx;
    std::fprintf(stderr, "train: notes for %zu validation items are written and scored at every validation\n",
                 items->size());
    return [items, lexicons, params, n_ctx](const model& trained, const lora_adapter* adapter) {
        const note_check_result r = note_check_run(trained, adapter, *items, params, n_ctx, *lexicons);
        nlohmann::json notes = nlohmann::json::array();
        for (size_t i = 0; i < items->size(); i++)
            notes.push_back({{"id", (*items)[i].id}, {"note", r.notes[i]}, {"reference", (*items)[i].reference}});
        return nlohmann::json{{"score", r.rouge1}, {"metrics", note_check_json(r)}, {"notes", notes}};
    };
}

std::vector<lora_target> targets_parse(const std::string& list) {
    static const std::map<std::string, lora_target> names = {
        {"q", lora_target::q},       {"k", lora_target::k},   {"v", lora_target::v},      {"o", lora_target::o},
        {"gate", lora_target::gate}, {"up", lora_target::up}, {"down", lora_target::down}};
    std::vector<lora_target> out;
    if (list == "none") return out;
    std::stringstream s(list);
    std::string item;
    while (std::getline(s, item, ',')) {
        std::string name = item;
        if (name.size() > 5 && name.ends_with("_proj")) name.resize(name.size() - 5);
        const auto it = names.find(name);
        if (it == names.end())
            fail("--targets", "unknown layer '" + item + "' (q, k, v, o, gate, up, down, or none)");
        out.push_back(it->second);
    }
    return out;
}

void run(train_cli& o) {
    o.lora.targets = targets_parse(o.targets);
    lora_config_check(o.lora);
    o.trainer.schedule = lr_schedule_from_name(o.schedule);
    o.trainer.model_path = o.model.model_path;
    o.trainer.batching.seed = o.trainer.seed;
    // A full fine-tune changes every weight, so there are no frozen weights to pack in BF16.
    o.trainer.base_bf16 = trainer_base_bf16_choose(o.trainer.full && o.matmul == "auto" ? "float" : o.matmul, "--matmul", o.nf4);
    if (o.trainer.full && !dtype_from_name(o.full_type, &o.trainer.full_type)) fail("--type", "unknown type " + o.full_type);
    auto m = load_model_for_cli(o.model);
    if (o.trainer.full && !m->gguf)
        fail(o.model.model_path, "--full writes the trained model as GGUF with the base's metadata and tokenizer, so "
                                 "the base must be a .gguf file (convert it with clinote convert)");
    if (!m->has_tokenizer) fail(o.model.model_path, "has no tokenizer, which training data needs");
    if (o.nf4) {
        const nf4_report q = model_quantize_nf4(*m);
        std::fprintf(stderr, "train: frozen base in NF4: %d linear weights, %.1f MiB -> %.1f MiB (%d left as stored)\n",
                     q.converted, double(q.bytes_before) / (1 << 20), double(q.bytes_after) / (1 << 20), q.skipped);
    }
    train_data_options dopt;
    dopt.max_seq = o.trainer.batching.max_seq;
    dopt.completion_only = !o.all_tokens;
    const train_dataset data = train_data_load(o.data_dir, *m, dopt);
    for (const auto* split : {&data.train, &data.valid})
        for (const std::string& id : split->too_long)
            std::fprintf(stderr, "train: left out (longer than --max-seq %lld): %s\n",
                         (long long)o.trainer.batching.max_seq, id.c_str());
    if (o.eval_generate > 0) o.trainer.score_notes = note_scorer_make(*m, o);
    std::unique_ptr<lora_adapter> init;
    if (!o.init_adapter.empty()) {
        if (o.trainer.resume) fail("--init-adapter", "not with --resume (the checkpoint holds the weights)");
        init = std::make_unique<lora_adapter>(lora_adapter_load(o.init_adapter, *m));
        // The adapter's shape is the run's: rank, alpha and targets come from the file.
        o.lora.rank = init->config.rank;
        o.lora.alpha = init->config.alpha;
        o.lora.rslora = init->config.rslora;
        o.lora.targets = init->config.targets;
        std::fprintf(stderr, "train: starting from %s (rank %d, alpha %g, %zu targets)\n", o.init_adapter.c_str(),
                     o.lora.rank, double(o.lora.alpha), o.lora.targets.size());
        o.trainer.init = init.get();
    }
    const trainer_result r = trainer_run(*m, data, o.lora, o.trainer);
    std::fprintf(stderr, "train: %lld steps; last train loss %.4f", (long long)r.steps,
                 r.losses.empty() ? 0.0 : r.losses.back());
    if (r.best_step >= 0 && o.trainer.score_notes)
        std::fprintf(stderr, "; best note score (ROUGE-1) %.4f at step %lld", r.best_note_score, (long long)r.best_step);
    else if (r.best_step >= 0)
        std::fprintf(stderr, "; best validation loss %.4f at step %lld", r.best_val_loss, (long long)r.best_step);
    std::fprintf(stderr, "\ntrain: wrote %s/{best,last,checkpoint,log.jsonl,loss.png}%s\n", o.trainer.out_dir.c_str(),
                 o.trainer.full ? " (best/model.gguf, last/model.gguf)" : "");
    // The whole process's high-water mark: mapped weights that were touched count, as they
    // occupy memory like any other page.
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    std::fprintf(stderr, "train: peak memory (max RSS) %.1f MiB\n", double(ru.ru_maxrss) / 1024.0);
}

}  // namespace

void add_train_command(CLI::App& app) {
    auto o = std::make_shared<train_cli>();
    auto* cmd = app.add_subcommand("train", "Fine-tune a LoRA adapter (QLoRA on a quantised model), or with --full every "
                                            "weight of the model, on a chat dataset");
    o->model.model_path = default_model_path();
    trainer_options& t = o->trainer;
    lora_config& l = o->lora;
    cmd->add_option("-m,--model", o->model.model_path,
                    "Base model: a .gguf file (any stored type), a Hugging Face directory or an installed model's name")
        ->capture_default_str()
        ->transform(model_name_or_path());
    add_chat_template_flag(cmd, o->model);
    cmd->add_option("--data", o->data_dir, "Dataset directory: train.jsonl, valid.jsonl (messages or prompt/completion rows)")
        ->required();
    cmd->add_option("--out", t.out_dir, "Run directory: best/, last/ adapters (PEFT), checkpoint/, log.jsonl, loss.png")
        ->required();
    cmd->add_option("--max-steps", t.max_steps, "Optimiser steps; 0: as many as --epochs needs")->capture_default_str()
        ->check(CLI::NonNegativeNumber);
    cmd->add_option("--epochs", t.epochs, "Passes over the training set (when --max-steps is 0)")->capture_default_str();
    cmd->add_option("--lr", t.lr, "Peak learning rate")->capture_default_str();
    cmd->add_option("--lora-r", l.rank, "LoRA rank")->capture_default_str();
    cmd->add_option("--lora-alpha", l.alpha, "LoRA alpha: the update is scaled by alpha / rank")->capture_default_str();
    cmd->add_option("--lora-dropout", l.dropout, "Dropout on the input of each LoRA branch during training")
        ->capture_default_str();
    cmd->add_flag("--rslora", l.rslora, "Scale by alpha / sqrt(rank) (rank-stabilised LoRA)");
    cmd->add_option("--targets", o->targets, "Linear layers to adapt, comma-separated: q,k,v,o,gate,up,down, or none")
        ->capture_default_str();
    cmd->add_flag("--train-embeddings", l.train_embeddings, "Also train a full copy of the embedding table (modules_to_save)");
    cmd->add_flag("--train-head", l.train_output, "Also train a full copy of the output head (modules_to_save)");
    cmd->add_option("--batch", t.batching.batch_size, "Sequences (rows) per micro-batch")->capture_default_str();
    cmd->add_option("--grad-accum", t.grad_accum, "Micro-batches accumulated per optimiser step")->capture_default_str();
    cmd->add_option("--max-seq", t.batching.max_seq, "Longest example in tokens; longer ones are left out and listed")
        ->capture_default_str()->check(CLI::PositiveNumber);
    cmd->add_flag("--pack", t.batching.pack, "Pack several examples into each row (attention kept within each example)");
    cmd->add_flag("--nf4", o->nf4,
                  "QLoRA: re-quantise the frozen base's linear weights to NF4 with double quantisation (bitsandbytes "
                  "layout) in memory before training; embeddings and head stay as stored");
    cmd->add_option("--matmul", o->matmul,
                    "How the frozen weights are multiplied: float (F32, as PyTorch), bf16 (operands rounded to BF16, "
                    "AMX tile products summed in F32, ~3x faster products; 4 bytes more per frozen weight), auto: bf16 "
                    "where the CPU has AMX, unless --nf4")
        ->capture_default_str()
        ->check(CLI::IsMember({"auto", "float", "bf16"}));
    cmd->add_flag("--all-tokens", o->all_tokens, "Score every token, not only the assistant / completion tokens");
    cmd->add_option("--schedule", o->schedule, "Learning-rate schedule after warmup: constant, linear or cosine")
        ->capture_default_str();
    cmd->add_option("--warmup", t.warmup, "Steps of linear warmup from 0 to --lr")->capture_default_str();
    cmd->add_option("--schedule-steps", t.schedule_steps,
                    "Lay the schedule out over this many steps instead of the run's own (a run stopped early on "
                    "purpose by --max-steps keeps the learning rates of the longer run); 0: the run's")
        ->capture_default_str()->check(CLI::NonNegativeNumber);
    cmd->add_option("--weight-decay", t.adamw.weight_decay, "AdamW decoupled weight decay")->capture_default_str();
    cmd->add_option("--clip", t.clip, "Clip the global gradient norm to this; 0: no clipping")->capture_default_str();
    cmd->add_option("--eval-every", t.eval_every, "Steps between validation losses; 0: only at the end")
        ->capture_default_str();
    cmd->add_option("--eval-generate", o->eval_generate,
                    "At every validation also write greedy notes for N validation items (spread over valid.jsonl), "
                    "score them (ROUGE-1, loop and echo rates, unsupported facts; log.jsonl, notes/step-N.json) and "
                    "keep as best/ the adapter whose notes have the highest ROUGE-1; 0: off")
        ->capture_default_str()->check(CLI::NonNegativeNumber);
    cmd->add_option("--eval-generate-tokens", o->eval_generate_tokens, "Most tokens of each --eval-generate note")
        ->capture_default_str()->check(CLI::PositiveNumber);
    cmd->add_option("--eval-generate-ctx", o->eval_generate_ctx, "Context for the --eval-generate notes")
        ->capture_default_str()->check(CLI::PositiveNumber);
    cmd->add_option("--patience", t.patience, "Stop after this many validations without a new best; 0: never")
        ->capture_default_str();
    cmd->add_option("--checkpoint-every", t.checkpoint_every,
                    "Steps between resumable checkpoints; 0: only at the end and on Ctrl-C")->capture_default_str();
    cmd->add_flag("--checkpoint-layers", t.checkpoint_layers,
                  "Activation checkpointing: keep only each layer's input, recompute the layer in the backward");
    cmd->add_option("--seed", t.seed, "Seed of the adapter's initialisation, dropout and batch order")
        ->capture_default_str();
    cmd->add_flag("--resume", t.resume, "Continue the run in --out from its checkpoint (same options)");
    cmd->add_option("--init-adapter", o->init_adapter,
                    "Start from this adapter's weights (PEFT directory or GGUF LoRA; its rank, alpha and targets are "
                    "used) with fresh optimiser state: a further stage on other data");
    cmd->add_flag("--force", t.force, "Overwrite the run files of an existing --out directory");
    CLI::Option* full = cmd->add_flag(
        "--full", t.full,
        "Full fine-tune: every weight (embeddings, norms, projections and biases, the head when untied) trained in "
        "F32, dequantised from the stored type; weight decay on matrices only; best/ and last/ hold model.gguf "
        "(the base must be GGUF) for clinote note --model. About 16 bytes per weight besides the activations");
    cmd->add_option("--type", o->full_type,
                    "With --full: type of the written weight matrices: f32, f16, bf16, q8_0, q4_0 or q4_1 (F16 where a "
                    "row is not whole blocks; 1-D tensors stay F32)")
        ->capture_default_str()
        ->check(CLI::IsMember({"f32", "f16", "bf16", "q8_0", "q4_0", "q4_1"}, CLI::ignore_case))
        ->needs(full);
    for (const char* lora_only : {"--lora-r", "--lora-alpha", "--lora-dropout", "--rslora", "--targets",
                                  "--train-embeddings", "--train-head", "--nf4", "--init-adapter"})
        full->excludes(cmd->get_option(lora_only));
    cmd->add_option("-t,--threads", o->model.threads, "CPU threads; 0: all cores")->check(CLI::NonNegativeNumber);
    cmd->callback([o] { run(*o); });
}

}  // namespace clinote
