// clinote generate: one prompt in, one answer out (streamed to stdout).
#include <cstdio>
#include <fstream>
#include <sstream>

#include "cli/commands.h"
#include "cli/model_options.h"
#include "core/error.h"
#include "core/file.h"
#include "core/utf8.h"
#include "generate/chat_prompt.h"
#include "model/transformer.h"

namespace clinote {

namespace {

struct generate_options {
    model_options model;
    generation_options gen;
    std::string prompt, prompt_file;
    bool raw = false;
    bool stats = false;
    std::string logits_path;
};

void run_generate(const generate_options& opt) {
    std::string prompt = opt.prompt;
    std::string where = "--prompt";
    if (!opt.prompt_file.empty()) {
        prompt = file_read(opt.prompt_file);
        where = opt.prompt_file;
    }
    if (prompt.empty()) fail(where, "the prompt is empty");
    utf8_require(prompt, where);

    auto m = load_model_for_cli(opt.model);
    std::vector<int32_t> tokens;
    if (opt.raw) {
        tokens = tokenizer_encode(m->tok, prompt, true);
    } else {
        nlohmann::json messages = nlohmann::json::array();
        if (!opt.gen.system.empty()) messages.push_back({{"role", "system"}, {"content", opt.gen.system}});
        messages.push_back({{"role", "user"}, {"content", prompt}});
        tokens = chat_prompt_tokens(m->tok, messages, true);
    }
    const auto adapter = load_adapter_for_cli(opt.model, *m);
    inference_state st = inference_state_create(*m, opt.model.n_ctx);
    st.adapter = adapter.get();
    if (!opt.logits_path.empty()) {
        // The prompt's logits at every position, to compare with another implementation.
        std::vector<float> logits(tokens.size() * size_t(m->config.n_vocab));
        model_forward(*m, st, tokens.data(), int64_t(tokens.size()), logits.data(), true);
        nlohmann::json rows = nlohmann::json::array();
        for (size_t i = 0; i < tokens.size(); i++)
            rows.push_back(std::vector<float>(logits.begin() + long(i * size_t(m->config.n_vocab)),
                                              logits.begin() + long((i + 1) * size_t(m->config.n_vocab))));
        file_write(opt.logits_path, nlohmann::json{{"tokens", tokens}, {"logits", rows}}.dump() + "\n");
        return;
    }
    const generate_result r = generate(*m, st, tokens, opt.gen.params, [](const std::string& piece) {
        std::fwrite(piece.data(), 1, piece.size(), stdout);
        std::fflush(stdout);
        return true;
    });
    std::fputc('\n', stdout);
    if (opt.stats)
        std::fprintf(stderr, "clinote: prompt %lld tokens, %.1f tok/s; generated %zu tokens, %.1f tok/s; finish: %s\n",
                     (long long)r.n_prompt, double(r.n_prompt) / r.prefill_seconds, r.tokens.size(),
                     r.decode_seconds > 0 ? double(r.tokens.size()) / r.decode_seconds : 0.0, r.finish_reason.c_str());
}

}  // namespace

void add_generate_command(CLI::App& app) {
    auto opt = std::make_shared<generate_options>();
    CLI::App* cmd = app.add_subcommand("generate", "Answer one prompt with a model (streamed to stdout)");
    add_model_flags(cmd, opt->model);
    auto* prompt = cmd->add_option("-p,--prompt", opt->prompt, "The prompt (the user's message, unless --raw)");
    auto* file = cmd->add_option("-f,--prompt-file", opt->prompt_file, "Read the prompt from this file");
    prompt->excludes(file);
    cmd->add_flag("--raw", opt->raw, "Send the prompt as it is, without the model's chat template");
    add_generation_flags(cmd, opt->gen);
    cmd->add_flag("--stats", opt->stats, "Print prompt and generation speed to stderr");
    cmd->add_option("--logits", opt->logits_path,
                    "Write the prompt's token ids and the logits at every position to this JSON file instead of "
                    "generating (to compare with another implementation; --matmul float for the exact reference)");
    cmd->callback([opt, prompt, file] {
        if (prompt->count() == 0 && file->count() == 0) fail("generate", "give --prompt TEXT or --prompt-file FILE");
        run_generate(*opt);
    });
}

}  // namespace clinote
