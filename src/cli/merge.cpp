// clinote merge: bake a LoRA adapter into its base model (W + scale·B·A, and the adapter's
// embedding / head copies), written as GGUF or as a Hugging Face directory.
#include <filesystem>
#include <memory>
#include <optional>

#include "cli/commands.h"
#include "core/error.h"
#include "core/progress.h"
#include "model/adapter_merge.h"
#include "quant/quant.h"

namespace clinote {

namespace {

struct merge_options {
    std::string model_path, adapter_path, out, type = "f16", format = "gguf";
    bool force = false;
};

void run_merge(const merge_options& opt) {
    dtype type;
    if (!dtype_from_name(opt.type, &type)) fail("--type", "unknown type " + opt.type);
    namespace fs = std::filesystem;
    if (fs::exists(opt.out) && !opt.force) fail(opt.out, "already exists (add --force to overwrite it)");
    auto m = model_load(opt.model_path, false);
    const lora_adapter a = lora_adapter_load(opt.adapter_path, *m);
    if (opt.format == "hf") {
        lora_merge_write_hf(*m, a, opt.out, type);
    } else {
        std::optional<progress_bar> bar;
        lora_merge_write_gguf(*m, a, opt.out, type, [&](size_t done, size_t total) {
            if (!bar) bar.emplace("merge", int64_t(total), "tensor");
            bar->advance(int64_t(done) - bar->done);
        });
        if (bar) bar->finish();
    }
    std::fprintf(stderr, "clinote: wrote %s (%s, %s, adapter rank %d, scale %g)\n", opt.out.c_str(),
                 opt.format.c_str(), dtype_name(type), a.config.rank, double(lora_scale(a.config)));
}

}  // namespace

void add_merge_command(CLI::App& app) {
    auto opt = std::make_shared<merge_options>();
    CLI::App* cmd = app.add_subcommand(
        "merge", "Merge a LoRA adapter into its base model (W + scale·B·A; trained embeddings/head replace the "
                 "model's) and write the result as GGUF or as a Hugging Face directory");
    cmd->add_option("-m,--model", opt->model_path,
                    "Base model: a .gguf file (for --format gguf) or a Hugging Face directory (for --format hf)")
        ->required();
    cmd->add_option("--adapter", opt->adapter_path, "The adapter: a PEFT directory or a llama.cpp GGUF LoRA file")
        ->required();
    cmd->add_option("--out", opt->out, "The GGUF file or Hugging Face directory to write")->required();
    cmd->add_option("--type", opt->type,
                    "Type of the weight matrices: f32, f16, bf16, q8_0, q4_0 or q4_1 for GGUF (F16 where a row is not "
                    "whole blocks; 1-D tensors stay F32); f32, f16 or bf16 for hf (every tensor)")
        ->capture_default_str()
        ->check(CLI::IsMember({"f32", "f16", "bf16", "q8_0", "q4_0", "q4_1"}, CLI::ignore_case));
    cmd->add_option("--format", opt->format, "gguf: metadata and tokenizer copied from the GGUF base; hf: "
                                             "model.safetensors plus the base directory's config and tokenizer files")
        ->capture_default_str()
        ->check(CLI::IsMember({"gguf", "hf"}));
    cmd->add_flag("--force", opt->force, "Overwrite --out if it exists");
    cmd->callback([opt] { run_merge(*opt); });
}

}  // namespace clinote
