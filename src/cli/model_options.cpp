#include "cli/model_options.h"

#include <omp.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <cstdio>

#include "catalog/model_catalog.h"
#include "core/error.h"
#include "core/file.h"
#include "core/paths.h"
#include "tokenizer/chat_template.h"

namespace clinote {

std::string default_model_path() { return models_dir() + "/SmolLM2-135M-Instruct.Q4_1.gguf"; }

std::string default_adapter_path() { return app_dir() + "/adapters/smollm2-135m-clinical"; }

std::string adapter_path_resolve(const model_options& opt) {
    if (opt.adapter_path == "none") return "";
    if (!opt.adapter_path.empty()) return opt.adapter_path;
    std::error_code ec;
    const bool default_model = std::filesystem::equivalent(opt.model_path, default_model_path(), ec);
    const std::string adapter = default_adapter_path();
    return default_model && std::filesystem::exists(adapter + "/adapter_config.json") ? adapter : "";
}

CLI::Validator model_name_or_path() {
    return CLI::Validator(
        [](std::string& value) {
            value = model_reference_resolve(value, models_dir());
            return std::string();
        },
        "PATH|NAME");
}

void add_model_flags(CLI::App* cmd, model_options& opt) {
    opt.model_path = default_model_path();
    cmd->add_option("-m,--model", opt.model_path,
                    "Model: a .gguf file, a Hugging Face directory, or the name of a model `clinote models pull` "
                    "installed (e.g. gemma-3-270m)")
        ->capture_default_str()
        ->transform(model_name_or_path());
    cmd->add_option("--adapter", opt.adapter_path,
                    "LoRA adapter applied without merging: a PEFT directory (adapter_config.json + "
                    "adapter_model.safetensors) or a llama.cpp GGUF LoRA file; none: the bare model. Default: with "
                    "the default model, its clinical adapter (adapters/smollm2-135m-clinical)");
    cmd->add_option("--ctx", opt.n_ctx, "Context size in tokens (prompt + answer); 0: the model's own")
        ->capture_default_str()->check(CLI::NonNegativeNumber);
    cmd->add_option("-t,--threads", opt.threads, "CPU threads; 0: all cores")->check(CLI::NonNegativeNumber);
    cmd->add_option("--matmul", opt.matmul,
                    "How quantised weights are multiplied: int8 (activations quantised to 8 bits and "
                    "integer dot products, as llama.cpp; fast) or float (weights dequantised to F32: "
                    "the exact reference, ~20x slower decode, logits as transformers computes them)")
        ->transform(CLI::CheckedTransformer(std::map<std::string, matmul_mode>{{"int8", matmul_mode::int8},
                                                                               {"float", matmul_mode::f32}}))
        ->default_str("int8");
    add_chat_template_flag(cmd, opt);
}

void add_chat_template_flag(CLI::App* cmd, model_options& opt) {
    cmd->add_option("--chat-template", opt.chat_template,
                    "Chat template to use instead of the model's own (for models without one): a built-in name (" +
                        chat_template_builtin_names() + ") or a Jinja template file. Gemma 3 models without one get "
                        "gemma3 by default");
}

std::string chat_template_from_flag(const std::string& name_or_file) {
    if (name_or_file.empty()) return "";
    if (const char* builtin = chat_template_builtin(name_or_file)) return builtin;
    struct stat st {};
    if (::stat(name_or_file.c_str(), &st) != 0)
        fail("--chat-template", "'" + name_or_file + "' is neither a built-in template (" + chat_template_builtin_names() +
                                    ") nor a file");
    return file_read_text(name_or_file);
}

void add_generation_flags(CLI::App* cmd, generation_options& opt) {
    generate_params& p = opt.params;
    cmd->add_option("-n,--max-tokens", p.max_tokens, "Most tokens to generate")->capture_default_str()
        ->check(CLI::PositiveNumber);
    cmd->add_option("--temperature", p.sampling.temperature, "Sampling temperature; 0: greedy (deterministic)")
        ->capture_default_str()->check(CLI::NonNegativeNumber);
    cmd->add_option("--top-k", p.sampling.top_k, "Keep only the k most likely tokens; 0: off")
        ->capture_default_str()->check(CLI::NonNegativeNumber);
    cmd->add_option("--top-p", p.sampling.top_p, "Keep the most likely tokens whose probabilities sum to p; 1: off")
        ->capture_default_str()->check(CLI::Range(0.0, 1.0));
    cmd->add_option("--min-p", p.sampling.min_p, "Drop tokens less likely than min-p × the top token's probability; 0: off")
        ->capture_default_str()->check(CLI::Range(0.0, 1.0));
    cmd->add_option("--repeat-penalty", p.sampling.repeat_penalty,
                    "Divide the logits of recently seen tokens by this (>1 repeats less); 1: off")
        ->capture_default_str()->check(CLI::PositiveNumber);
    cmd->add_option("--repeat-last-n", p.sampling.repeat_last_n, "How many recent tokens the penalty looks at; 0: all")
        ->capture_default_str()->check(CLI::NonNegativeNumber);
    cmd->add_option("--dry-multiplier", p.sampling.dry_multiplier,
                    "Repetition guard (DRY): penalty for continuing a sequence the answer already wrote; 0: off")
        ->capture_default_str()->check(CLI::NonNegativeNumber);
    cmd->add_option("--dry-base", p.sampling.dry_base, "DRY: the penalty grows by this factor per repeated token")
        ->capture_default_str()->check(CLI::Range(1.0, 10.0));
    cmd->add_option("--dry-allowed-length", p.sampling.dry_allowed_length,
                    "DRY: repeats of up to this many tokens go unpenalised")
        ->capture_default_str()->check(CLI::NonNegativeNumber);
    cmd->add_option("--no-repeat-ngram", p.sampling.no_repeat_ngram,
                    "Forbid repeating any n-gram of this many tokens within the answer; 0: off")
        ->capture_default_str()->check(CLI::NonNegativeNumber);
    cmd->add_option("--frequency-penalty", p.sampling.frequency_penalty,
                    "Lower a token's logit by this for each time the answer already has it (OpenAI's); 0: off")
        ->capture_default_str()->check(CLI::Range(-2.0, 2.0));
    cmd->add_option("--presence-penalty", p.sampling.presence_penalty,
                    "Lower a token's logit by this once if the answer already has it (OpenAI's); 0: off")
        ->capture_default_str()->check(CLI::Range(-2.0, 2.0));
    cmd->add_option("--seed", p.sampling.seed, "Random seed for sampling (same seed, same output)")->capture_default_str();
    cmd->add_option("--stop", p.stop, "Stop when this text appears (not included; repeatable)");
    cmd->add_option("--system", opt.system, "System message put before the conversation");
}

std::unique_ptr<model> load_model_for_cli(const model_options& opt) {
    if (opt.threads > 0) omp_set_num_threads(opt.threads);
    const auto t0 = std::chrono::steady_clock::now();
    const std::string chat_template = chat_template_from_flag(opt.chat_template);  // a bad flag fails before loading
    auto m = model_load(opt.model_path);
    m->matmul = opt.matmul;
    if (!chat_template.empty()) m->tok.chat_template = chat_template;
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::fprintf(stderr, "clinote: loaded %s (%s, %d layers, %d vocab) in %.2f s\n", opt.model_path.c_str(),
                 m->config.arch_name.c_str(), m->config.n_layer, m->config.n_vocab, s);
    return m;
}

std::unique_ptr<lora_adapter> load_adapter_for_cli(const model_options& opt, const model& m) {
    const std::string path = adapter_path_resolve(opt);
    if (path.empty()) return nullptr;
    auto a = std::make_unique<lora_adapter>(lora_adapter_load(path, m));
    std::fprintf(stderr, "clinote: adapter %s (rank %d, scale %g, %zu target modules%s)\n", path.c_str(),
                 a->config.rank, double(lora_scale(a->config)), a->config.targets.size(),
                 a->tok_embd.empty() && a->output.empty() ? "" : ", own embeddings/head");
    return a;
}

}  // namespace clinote
