// Each subcommand lives in its own file: add_<name>_command registers flags and the
// callback on the app. The callbacks throw clinote::error for bad input; main prints it.
#pragma once
#include <CLI/CLI.hpp>

namespace clinote {

void add_generate_command(CLI::App& app);
void add_chat_command(CLI::App& app);
void add_note_command(CLI::App& app);
void add_data_command(CLI::App& app);
void add_rouge_command(CLI::App& app);
void add_store_command(CLI::App& app);
void add_info_command(CLI::App& app);
void add_convert_command(CLI::App& app);
void add_merge_command(CLI::App& app);
void add_transcribe_command(CLI::App& app);
void add_scribe_command(CLI::App& app);
void add_eval_asr_command(CLI::App& app);
void add_serve_command(CLI::App& app);
void add_eval_command(CLI::App& app);
void add_train_command(CLI::App& app);
void add_models_command(CLI::App& app);
void add_improve_command(CLI::App& app);

}  // namespace clinote
