// The training loop: batches from a train_dataset, gradient accumulation, AdamW with a
// schedule and clipping, validation every N steps, the best adapter by validation loss,
// early stopping, checkpoints that resume exactly, and Ctrl-C as "checkpoint and stop".
//
// The run directory holds:
//   config.json           what was trained, with which options
//   log.jsonl             one line per step {"step", "loss", "lr", "grad_norm", "tokens",
//                         "tokens_per_s"} and per validation {"step", "val_loss"}, with
//                         {"step", "note_score", "note_check"} after it when notes are scored
//   notes/step-N.json     the notes written for the note check at step N (when scored)
//   loss.png              train and validation loss against steps
//   best/                 the adapter with the lowest validation loss, or with the highest note
//                         score when notes are scored (PEFT format); a full fine-tune's
//                         model as best/model.gguf
//   last/                 the adapter after the last step (PEFT format), or last/model.gguf
//   checkpoint/           adapter (or every weight) + AdamW moments (state.safetensors) and
//                         the loop's position (state.json): --resume continues from here
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/tensor.h"
#include "model/lora_adapter.h"
#include "train/adamw.h"
#include "train/lr_schedule.h"
#include "train/train_data.h"

namespace clinote {

struct trainer_options {
    std::string out_dir;
    bool force = false;         // reuse an existing out_dir (its old files are replaced)
    bool resume = false;        // continue from out_dir/checkpoint
    int64_t max_steps = 0;      // optimiser steps; 0: as many as `epochs` needs
    int64_t epochs = 1;
    // Steps the learning-rate schedule is laid out for; 0: the run's own (max_steps or
    // epochs). A run that stops early on purpose (a recipe's first stage) sets it.
    int64_t schedule_steps = 0;
    float lr = 2e-4f;
    lr_schedule schedule = lr_schedule::cosine;
    int64_t warmup = 0;         // steps
    adamw_options adamw;
    double clip = 1.0;          // global gradient norm; <= 0: none
    int64_t grad_accum = 1;     // micro-batches per optimiser step
    batching_options batching;  // batch size, max_seq, packing, shuffle seed
    int64_t eval_every = 50;    // steps between validations (0: only at the end)
    int64_t patience = 0;       // stop after this many validations without a new best (0: never)
    int64_t checkpoint_every = 0;  // steps between checkpoints (0: only at the end or on Ctrl-C)
    bool checkpoint_layers = false;  // activation checkpointing
    // Multiply the frozen weights in BF16 (train_base_bf16 in train/train_model.h): fast with
    // AMX, the scalar reference elsewhere. Off: as stored, in F32, as PyTorch does by default.
    bool base_bf16 = false;
    uint64_t seed = 0;          // adapter initialisation and dropout
    bool progress = true;       // progress bar on stderr
    std::string model_path;     // recorded in config.json
    // Set from another thread (the server's cancel): checkpoint and stop after the step in
    // progress, as Ctrl-C does.
    const std::atomic<bool>* stop = nullptr;
    // Called after every optimiser step with the steps done and the run's total (a caller's
    // own progress report: `clinote improve`, the server's improve job).
    std::function<void(int64_t step, int64_t total, double loss)> on_step;
    // Scores the notes the model writes (train --eval-generate builds it from
    // eval/note_check.h): {"score": higher is better, "metrics": {...}, "notes": [...]}, run at
    // every validation with the model the run computes with (for a full fine-tune, its
    // current weights) and the adapter (null for a full fine-tune). When set, best/ and
    // --patience follow the score, not the loss.
    std::function<nlohmann::json(const model&, const lora_adapter*)> score_notes;
    // Start from this adapter's weights instead of a fresh initialisation (a second stage of
    // a recipe; fresh AdamW moments and schedule). Its rank, alpha, targets and trained
    // copies must be the ones asked for. Not with resume, which has its own weights.
    const lora_adapter* init = nullptr;
    // A full fine-tune (train --full): every weight trained in F32 (the lora config is not
    // used; weight decay on matrices only), best/ and last/ written as model.gguf with
    // full_type matrices (the base must be GGUF). Not with base_bf16 or init.
    bool full = false;
    dtype full_type = dtype::f16;
};

struct trainer_result {
    int64_t steps = 0;                 // optimiser steps done in total
    std::vector<double> losses;        // train loss of each step done in this call
    std::vector<double> val_losses;    // each validation of this call
    double best_val_loss = 0.0;
    double best_note_score = 0.0;      // with score_notes
    int64_t best_step = -1;
    bool stopped_early = false;
    bool interrupted = false;          // Ctrl-C: a checkpoint was written
};

trainer_result trainer_run(const model& m, const train_dataset& data, const lora_config& lora,
                           const trainer_options& opt);

// trainer_options::base_bf16 for a --matmul choice: "float", "bf16" (fails without AMX, naming
// `where`), or "auto": bf16 where the CPU has AMX, unless the run asked for the smallest
// memory (QLoRA's NF4 base, `small_memory`), as the BF16 copies add 4 bytes per frozen weight.
bool trainer_base_bf16_choose(const std::string& matmul, const std::string& where, bool small_memory = false);

// Bytes the run needs besides the mapped model: trained values (`params` floats: the
// adapter's, or every weight's in a full fine-tune), gradients, AdamW moments and the
// activations of the largest micro-batch.
int64_t trainer_memory_estimate(const model& m, const lora_adapter& adapter, int64_t params, int64_t max_batch_tokens,
                                bool checkpoint_layers);
// Bytes of the frozen weights training reads (mapped or converted in memory), each tensor once.
int64_t model_weight_bytes(const model& m);
// MemAvailable from /proc/meminfo, in bytes (-1 if unknown).
int64_t memory_available_bytes();

}  // namespace clinote
