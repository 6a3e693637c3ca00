// A resumable checkpoint of a training run: the adapter (or, for a full fine-tune, every
// weight), the AdamW moments and the loop's position, written to a temporary directory and renamed, so a crash mid-write leaves the
// previous checkpoint intact.
#pragma once
#include <cstdint>
#include <string>

#include "train/adamw.h"

namespace clinote {

struct train_cursor {
    int64_t step = 0;         // optimiser steps done
    int64_t epoch = 0;        // epoch and index of the next micro-batch
    int64_t batch_index = 0;
    int64_t micro = 0;        // micro-batches done (seeds their dropout)
    double best_val_loss = 0.0;
    double best_note_score = -1e300;  // with trainer_options::score_notes; the lowest: none yet
    int64_t best_step = -1;   // -1: no validation yet
    int64_t bad_evals = 0;    // validations since the last new best
    int64_t log_bytes = 0;    // length of log.jsonl at this point (a resume cuts what follows)
};

// Writes dir/state.safetensors and dir/state.json (replacing dir).
void train_checkpoint_save(const std::string& dir, const model& m, lora_adapter& adapter, adamw_state& opt,
                           const train_cursor& cursor);

// Reads a checkpoint into adapter (whose config must match the one saved: rank, alpha,
// targets, modules_to_save; errors say which differs), optimiser moments and cursor.
void train_checkpoint_load(const std::string& dir, const model& m, lora_adapter& adapter, adamw_state& opt,
                           train_cursor& cursor);

// The same for a full fine-tune: weights (full_params' names, shaped as m's) and moments.
void train_checkpoint_save(const std::string& dir, const model& m, full_weights& weights, adamw_full_state& opt,
                           const train_cursor& cursor);
void train_checkpoint_load(const std::string& dir, const model& m, full_weights& weights, adamw_full_state& opt,
                           train_cursor& cursor);

}  // namespace clinote
