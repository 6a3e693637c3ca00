// Flags shared by the commands that run a model (generate, chat, note, ...), so each
// means the same everywhere.
#pragma once
#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <vector>

#include "generate/generate.h"
#include "model/lora_adapter.h"
#include "model/model.h"

namespace clinote {

struct model_options {
    std::string model_path;
    std::string adapter_path;  // empty: the default (adapter_path_resolve); "none": none
    int64_t n_ctx = 4096;
    int threads = 0;
    matmul_mode matmul = matmul_mode::int8;  // --matmul: how quantised weights are multiplied
    std::string chat_template;  // --chat-template: a built-in name or a Jinja file; empty: the model's own
};

struct generation_options {
    generate_params params;
    std::string system;
};

void add_model_flags(CLI::App* cmd, model_options& opt);

// For a model flag: a catalogue name (`clinote models`) becomes its installed path; a name not
// installed is an error saying how to pull it; anything else is kept as a path.
CLI::Validator model_name_or_path();
void add_generation_flags(CLI::App* cmd, generation_options& opt);
// --chat-template alone, for commands that take their own model flags (train); part of add_model_flags.
void add_chat_template_flag(CLI::App* cmd, model_options& opt);

// The default model as setup.sh installs it: ./models/... or the source tree's models/.
std::string default_model_path();

// The clinical adapter shipped for the default model (adapters/, made by
// scripts/train-clinical-adapter.sh): ./adapters/... or the source tree's adapters/.
std::string default_adapter_path();

// The adapter an --adapter flag asks for: "none" → none (""); not given → the shipped
// adapter when the model is the default model and the adapter is there, else none; a path
// as given.
std::string adapter_path_resolve(const model_options& opt);

// The Jinja source --chat-template names: a built-in template (chat_template_builtin) or a
// file; empty for an empty flag.
std::string chat_template_from_flag(const std::string& name_or_file);

// Sets the thread count and loads the model (with its tokenizer, and --chat-template in place
// of the model's own), reporting what it loaded on stderr.
std::unique_ptr<model> load_model_for_cli(const model_options& opt);

// The --adapter for model m (PEFT directory or GGUF LoRA; adapter_path_resolve), or null
// without one; reports on stderr.
std::unique_ptr<lora_adapter> load_adapter_for_cli(const model_options& opt, const model& m);

}  // namespace clinote
