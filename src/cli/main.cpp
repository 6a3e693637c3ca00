#include <cblas.h>

#include <cstdio>
#include <string>

#include "cli/commands.h"
#include "clinote_version.h"
#include "core/error.h"
#include "ops/gemm_bf16.h"
#include "quant/vec_dot.h"

namespace {

// What a bug report needs: the build, and the kernels this CPU gets.
std::string version_text() {
    using namespace clinote;
    return std::string("clinote ") + CLINOTE_VERSION + " (commit " + CLINOTE_COMMIT + ")\n" +
           "cpu: int8 kernels " + cpu_path_name(cpu_path_select()) + ", bf16 products " +
           bf16_path_name(bf16_path_select()) + ", f16c " + (cpu_has_f16c() ? "yes" : "no") + "\n" +
           "openblas: " + openblas_get_config();
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"clinote: offline clinical scribe built on small open language models"};
    app.require_subcommand(1);
    app.set_help_all_flag("--help-all", "Show the help of every subcommand");
    app.set_version_flag("--version", version_text, "Print the version, the commit and the CPU kernels in use");
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
    clinote::add_models_command(app);
    clinote::add_improve_command(app);
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
