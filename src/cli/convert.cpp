// clinote convert: re-quantise a GGUF model (matrices to the chosen type, norms and
// biases F32, metadata copied), as llama.cpp's converters do; store a LoRA adapter in
// F16 / BF16 (PEFT directory with its GGUF LoRA beside, as adapters/ ships them); or turn a
// CTranslate2 Whisper model into the Hugging Face directory the speech commands load.
#include <filesystem>
#include <memory>
#include <optional>

#include "cli/commands.h"
#include "core/error.h"
#include "core/progress.h"
#include "cli/model_options.h"
#include "io/gguf_convert.h"
#include "model/lora_adapter.h"
#include "quant/quant.h"
#include "speech/whisper_ct2.h"

namespace clinote {

namespace {

struct convert_options {
    std::string in, out, type;
    bool force = false;
    bool whisper_ct2 = false;
    bool lora = false;
    std::string model_path;  // with --lora: the adapter's base
};

// --lora: the adapter read in any format and type, written as PEFT + GGUF LoRA in --type.
void convert_lora(const convert_options& opt) {
    namespace fs = std::filesystem;
    dtype storage;
    if (!dtype_from_name(opt.type.empty() ? "f16" : opt.type, &storage) ||
        (storage != dtype::f32 && storage != dtype::f16 && storage != dtype::bf16))
        fail("--type", "an adapter is stored as f32, f16 or bf16");
    std::error_code ec;
    if (fs::exists(opt.out) && fs::equivalent(opt.in, opt.out, ec)) fail(opt.out, "is the input adapter");
    if (fs::exists(opt.out) && !opt.force) fail(opt.out, "already exists (add --force to overwrite it)");
    const auto m = model_load(opt.model_path.empty() ? default_model_path() : opt.model_path);
    const lora_adapter a = lora_adapter_load(opt.in, *m);
    lora_adapter_save_peft(a, *m, opt.out, storage);
    const bool gguf = a.tok_embd.empty() && a.output.empty();
    if (gguf) lora_adapter_save_gguf(a, *m, opt.out + "/adapter.gguf", storage);
    std::fprintf(stderr, "clinote: wrote %s (PEFT%s, %s, rank %d)\n", opt.out.c_str(), gguf ? " + adapter.gguf" : "",
                 dtype_name(storage), a.config.rank);
}

void run_convert(const convert_options& opt) {
    namespace fs = std::filesystem;
    if (opt.lora) return convert_lora(opt);
    if (opt.whisper_ct2) {
        if (fs::exists(opt.out) && !opt.force) fail(opt.out, "already exists (add --force to overwrite it)");
        whisper_convert_ct2(opt.in, opt.out);
        std::fprintf(stderr, "clinote: wrote %s (Whisper, Hugging Face layout)\n", opt.out.c_str());
        return;
    }
    if (opt.type.empty()) fail("--type", "required when converting a GGUF model");
    if (!fs::is_regular_file(opt.in)) fail(opt.in, "not a GGUF file");
    dtype target;
    if (!dtype_from_name(opt.type, &target)) fail("--type", "unknown type " + opt.type);
    std::error_code ec;
    if (fs::exists(opt.out) && fs::equivalent(opt.in, opt.out, ec)) fail(opt.out, "is the input file");
    if (fs::exists(opt.out) && !opt.force) fail(opt.out, "already exists (add --force to overwrite it)");

    std::optional<progress_bar> bar;
    gguf_convert(opt.in, opt.out, target, [&](size_t done, size_t total) {
        if (!bar) bar.emplace("convert", int64_t(total), "tensor");
        bar->advance(int64_t(done) - bar->done);
    });
    if (bar) bar->finish();
    std::fprintf(stderr, "clinote: wrote %s (%s, %.2f MiB from %.2f MiB)\n", opt.out.c_str(), dtype_name(target),
                 double(fs::file_size(opt.out)) / (1024.0 * 1024.0), double(fs::file_size(opt.in)) / (1024.0 * 1024.0));
}

}  // namespace

void add_convert_command(CLI::App& app) {
    auto opt = std::make_shared<convert_options>();
    CLI::App* cmd = app.add_subcommand(
        "convert", "Re-quantise a GGUF model: 2-D weight matrices take --type (F16 where a row is not a whole number of "
                   "blocks), 1-D norms and biases stay F32, metadata is copied and general.file_type updated; or, with "
                   "--whisper-ct2, a CTranslate2 Whisper model to a Hugging Face directory");
    cmd->add_option("--in", opt->in, "The GGUF model to read (with --whisper-ct2: the CTranslate2 directory)")
        ->required()
        ->check(CLI::ExistingPath);
    cmd->add_option("--out", opt->out, "The GGUF file to write (with --whisper-ct2: the directory to write)")->required();
    cmd->add_option("--type", opt->type,
                    "Type of the weight matrices: f32, f16, bf16, q8_0, q4_0 or q4_1 (GGUF only); with --lora f32, f16 "
                    "(default) or bf16")
        ->check(CLI::IsMember({"f32", "f16", "bf16", "q8_0", "q4_0", "q4_1"}, CLI::ignore_case));
    cmd->add_flag("--force", opt->force, "Overwrite --out if it exists");
    cmd->add_flag("--lora", opt->lora,
                  "--in is a LoRA adapter (PEFT directory or GGUF LoRA) of --model: write it to the directory --out as "
                  "PEFT files with the GGUF LoRA adapter.gguf beside, tensors in --type");
    cmd->add_option("-m,--model", opt->model_path, "With --lora: the adapter's base model (default: the default model)");
    cmd->add_flag("--whisper-ct2", opt->whisper_ct2,
                  "--in is a CTranslate2 Whisper directory (model.bin, config.json, tokenizer.json, as faster-whisper "
                  "uses); write config.json, generation_config.json, model.safetensors and tokenizer.json to --out, "
                  "weights in their stored type");
    cmd->callback([opt] { run_convert(*opt); });
}

}  // namespace clinote
