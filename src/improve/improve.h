// "Improve from my notes": the clinic's adapter learns from the notes its clinicians
// approved, on this machine, and is replaced only by a version that writes better notes.
//
// improve_run, top to bottom:
//   improve_data_collect  the vault's approved prose notes (optionally of one template, or
//                         approved since a date), each with its transcript, as chat messages
//                         built by the one prompt builder (note_messages: the prompt the note
//                         was written from) — in memory, never as files
//   improve_held_back     split by encounter: a fixed share held back, chosen by a hash of the
//                         encounter id, so an encounter held back once is never trained on
//   trainer_run           a LoRA adapter from the current version (else the starting adapter,
//                         else fresh), in a private temporary folder removed afterwards
//   improve_compare       held-back notes written by the current adapter and the candidate,
//                         exactly as the scribe writes them (note_write): ROUGE-1 against the
//                         approved note, notes that loop, unsupported facts per note
//   vault_adapter_version_add   promoted when ROUGE-1 rises and neither loops nor unsupported
//                         facts rise, else refused; kept either way with its scores, audited
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "eval/bootstrap.h"
#include "eval/clinical_facts.h"
#include "generate/generate.h"
#include "model/lora_adapter.h"
#include "notes/note_template.h"
#include "store/vault.h"
#include "train/train_data.h"

namespace clinote {

struct improve_progress {
    std::string phase;  // "training" (steps), "current" or "candidate" (held-back notes written)
    int64_t done = 0, total = 0;
};

struct improve_options {
    std::string template_name;  // only notes written in this template; empty: every template
    std::vector<note_template> templates;  // custom templates besides the vault's (note --template-file)
    std::string since;          // only notes approved on or after this date (YYYY-MM-DD); empty: all
    double hold_back = 0.2;     // share of encounters held back for the comparison
    int64_t steps = 60;         // optimiser steps
    float lr = 2e-4f;
    int64_t batch = 4;
    int64_t max_seq = 1024;     // longer examples are left out and named
    lora_config lora;           // a first version trained without a starting adapter
    bool base_bf16 = false;     // trainer_options::base_bf16
    uint64_t seed = 0;
    generate_params note_params;  // how held-back notes are written (the scribe's defaults)
    int64_t n_ctx = 4096;
    std::string base_name;      // the base model, recorded with each version and checked on load
    // The adapter notes are written with before the vault has a version (the shipped clinical
    // adapter), and its name; null: the base model.
    const lora_adapter* start = nullptr;
    std::string start_name;
    bool progress = true;       // the trainer's progress bar on stderr
    const std::atomic<bool>* stop = nullptr;  // cancel: stops after the step in progress, stores nothing
    std::function<void(const improve_progress&)> on_progress;
};

// One approved note as a training example: the chat messages [system, user, assistant =
// the approved text without entity tags].
struct improve_example {
    int64_t encounter_id = 0;
    note_template tmpl;      // the template the note was written in
    std::string transcript;  // as the note was written from
    std::string approved;    // the approved note, tags removed
    nlohmann::json messages;
    train_example tokens;    // the messages tokenised and masked (training examples only)
};

struct improve_data {
    std::vector<improve_example> train, held_back;
    std::vector<std::string> skipped;  // "encounter 7: <why>", for every approved note not used
};

// True when the encounter belongs to the held-back share (the same answer in every run).
bool improve_held_back(int64_t encounter_id, double share);

// Reads the approved notes as o filters them. A note is skipped, with its reason, when it is
// a ClinicalSummary, has no draft naming its template, its template is unknown, or its
// prompt and note are longer than o.max_seq (training) or leave no room in o.n_ctx (held back).
improve_data improve_data_collect(vault& v, const tokenizer& tok, const improve_options& o);

struct improve_scores {
    double rouge1 = 0, loop_rate = 0, unsupported_per_note = 0;  // means over the held-back notes
    int64_t n = 0;
    std::vector<double> rouge1_each, unsupported_each;           // per note, in held-back order
};
nlohmann::json improve_scores_json(const improve_scores& s);

// The held-back notes written by m with the adapter (null: the base), scored against the
// approved ones. on_note(i) after each note.
improve_scores improve_score(const model& m, const lora_adapter* adapter, const std::vector<improve_example>& held_back,
                             const improve_options& o, const fact_lexicons& lexicons,
                             const std::function<void(int64_t)>& on_note = {});

struct improve_result {
    adapter_version_record version;  // as stored (without weights)
    improve_scores current, candidate;
    // Candidate minus current over the same notes, with a paired bootstrap 95% interval: how
    // sure the comparison is (a handful of held-back notes gives a wide one).
    mean_ci rouge1_delta, unsupported_delta;
    std::string current_name;        // "version 2", the starting adapter's name, or "base model"
    bool promoted = false;
    std::string reason;              // why, in a sentence
    int64_t n_train = 0, n_held_back = 0;
    std::vector<std::string> skipped;
    nlohmann::json json() const;     // what the CLI prints with --json and the server returns
};

// The whole loop. Throws (storing nothing) when too few notes qualify (at least one to train
// on and one held back), when cancelled, or when the current version does not fit m.
improve_result improve_run(vault& v, const model& m, const improve_options& o, const fact_lexicons& lexicons);

// The vault's current version for m, or nothing. Throws naming the version when it was
// trained for another base than base_name.
std::optional<lora_adapter> improve_current_adapter(vault& v, const model& m, const std::string& base_name);

}  // namespace clinote
