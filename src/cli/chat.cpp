// clinote chat: a multi-turn conversation on the terminal. Each turn re-renders the whole
// conversation with the chat template and feeds only the tokens the cache does not hold yet.
#include <cstdio>
#include <iostream>

#include "cli/commands.h"
#include "cli/model_options.h"
#include "core/error.h"
#include "core/utf8.h"
#include "generate/chat_prompt.h"

namespace clinote {

namespace {

struct chat_options {
    model_options model;
    generation_options gen;
};

void run_chat(const chat_options& opt) {
    auto m = load_model_for_cli(opt.model);
    const auto adapter = load_adapter_for_cli(opt.model, *m);
    inference_state st = inference_state_create(*m, opt.model.n_ctx);
    st.adapter = adapter.get();
    nlohmann::json messages = nlohmann::json::array();
    if (!opt.gen.system.empty()) messages.push_back({{"role", "system"}, {"content", opt.gen.system}});
    std::vector<int32_t> cached;  // the tokens whose keys/values the cache holds
    std::fprintf(stderr, "clinote: type a message and press Enter; an empty line or Ctrl-D ends the chat\n");
    std::string line;
    while (true) {
        std::fprintf(stderr, "> ");
        if (!std::getline(std::cin, line) || line.empty()) break;
        utf8_require(line, "input");
        messages.push_back({{"role", "user"}, {"content", line}});
        const std::vector<int32_t> tokens = chat_prompt_tokens(m->tok, messages, true);
        size_t common = 0;
        while (common < cached.size() && common + 1 < tokens.size() && cached[common] == tokens[common]) common++;
        inference_state_truncate(st, int64_t(common));
        const std::vector<int32_t> fresh(tokens.begin() + long(common), tokens.end());
        const generate_result r = generate(*m, st, fresh, opt.gen.params, [](const std::string& piece) {
            std::fwrite(piece.data(), 1, piece.size(), stdout);
            std::fflush(stdout);
            return true;
        });
        std::fputc('\n', stdout);
        cached.assign(tokens.begin(), tokens.end());
        cached.insert(cached.end(), r.tokens.begin(), r.tokens.end());
        messages.push_back({{"role", "assistant"}, {"content", r.text}});
    }
}

}  // namespace

void add_chat_command(CLI::App& app) {
    auto opt = std::make_shared<chat_options>();
    CLI::App* cmd = app.add_subcommand("chat", "Talk with a model on the terminal, turn by turn");
    add_model_flags(cmd, opt->model);
    add_generation_flags(cmd, opt->gen);
    cmd->callback([opt] { run_chat(*opt); });
}

}  // namespace clinote
