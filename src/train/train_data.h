// Training data: a directory with train.jsonl and valid.jsonl (optional test.jsonl), each line
// either {"messages": [{"role", "content"}, ...]} or {"prompt": ..., "completion": ...}, the
// forms TRL and MLX-LM accept. Each example is rendered with the model's chat template exactly
// as at inference (generate/chat_prompt.h), tokenised, and masked so that by default only the
// assistant / completion tokens are scored.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/model.h"

namespace clinote {

struct train_example {
    std::string id;                // "train.jsonl:12" (file and 1-based line), for messages
    std::vector<int32_t> tokens;   // the whole rendered conversation
    std::vector<uint8_t> scored;   // per token: 1 if the model is trained to predict it
};

struct train_data_options {
    int64_t max_seq = 2048;       // longer examples are left out and reported, never cut
    bool completion_only = true;  // false: every token after the first is scored
};

struct train_split {
    std::vector<train_example> examples;
    std::vector<std::string> too_long;  // ids of examples over max_seq, with their lengths
};

struct train_dataset {
    train_split train, valid, test;  // test empty when there is no test.jsonl
};

// Throws clinote::error naming file:line and the problem for a malformed line, an example
// without an assistant turn or completion, an empty file, or a split whose examples all
// exceed max_seq.
train_dataset train_data_load(const std::string& dir, const model& m, const train_data_options& opt);
train_dataset train_data_load(const std::string& dir, const tokenizer& tok, const train_data_options& opt);

// One JSONL file of examples (a split): ids are "<file name>:<line>".
train_split train_split_read(const std::string& path, const tokenizer& tok, const train_data_options& opt);
// The same from JSONL text held in memory (an upload): errors and ids name `name`:<line>.
train_split train_split_parse(const std::string& text, const std::string& name, const tokenizer& tok,
                              const train_data_options& opt);

// One parsed JSONL row → a tokenised, masked example; `where` names it in errors. The
// prompt/completion form scores every token after the prompt (TRL's completion mask); the
// messages form scores each assistant turn's content and its end-of-turn token (TRL's
// assistant_only_loss). A plain-text prompt/completion is one user and one assistant turn.
train_example train_example_make(const nlohmann::json& row, const tokenizer& tok, const train_data_options& opt,
                                 const std::string& where);

// One step's input: n_batch rows of seq_len positions. targets[i] is the token position i
// must predict, or cross_entropy_ignore (ops/loss.h); valid and segment are the masks of
// ops/attention_train.h (segment ids restart positions when several examples are packed).
struct train_batch {
    int64_t n_batch = 0, seq_len = 0;
    std::vector<int32_t> tokens, targets, segment, positions;
    std::vector<uint8_t> valid;
    int64_t n_scored = 0;  // targets that are not ignored
};

struct batching_options {
    int64_t batch_size = 4;
    int64_t max_seq = 2048;
    bool pack = false;       // several examples per row, separated by segment ids
    bool by_length = true;   // rows of similar length together, so little padding
    uint64_t seed = 0;       // shuffles the order of batches (a new order each epoch)
};

// The batches of one epoch (epoch changes the shuffle). Every example appears exactly once.
std::vector<train_batch> train_batches_make(const std::vector<train_example>& examples,
                                            const batching_options& opt, int64_t epoch);

}  // namespace clinote
