#include <cstdio>

#include "cli/commands.h"
#include "core/error.h"

int main(int argc, char** argv) {
    CLI::App app{"clinote: offline clinical scribe built on small open language models"};
    app.require_subcommand(1);
    app.set_help_all_flag("--help-all", "Show the help of every subcommand");
    clinote::add_generate_command(app);
    clinote::add_chat_command(app);
    clinote::add_note_command(app);
    clinote::add_data_command(app);
    clinote::add_rouge_command(app);
    clinote::add_store_command(app);
    clinote::add_info_command(app);
    clinote::add_convert_command(app);
    clinote::add_merge_command(app);
    clinote::add_serve_command(app);
    clinote::add_eval_command(app);
    clinote::add_train_command(app);
    clinote::add_transcribe_command(app);
    clinote::add_scribe_command(app);
    clinote::add_eval_asr_command(app);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    } catch (const clinote::error& e) {
        std::fprintf(stderr, "clinote: error: %s\n", e.what());
        return 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "clinote: error: %s\n", e.what());
        return 1;
    }
    return 0;
}
