// Constrained decoding with a real model: 200 ClinicalSummary generations from stories260K
// (given a chat template; sampled at temperature 1 so they wander through the grammar), each
// on a real MTS-Dialog visit through the one summary prompt builder. Every result must parse
// and validate against the schema, whether the model closed the document itself or the token
// limit stopped it (then json_constraint_finish adds the shortest valid ending).
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "core/paths.h"
#include "data/import.h"
#include "generate/chat_prompt.h"
#include "generate/json_constraint.h"
#include "model/transformer.h"
#include "notes/json_schema_validate.h"
#include "notes/prompt_summary.h"
#include "notes/summary_schema.h"

using namespace clinote;

namespace {

struct summary_counts {
    int valid = 0, closed_by_model = 0;
};

summary_counts generate_summaries(const model& m, int n, int max_tokens, int64_t n_ctx) {
    import_report report;
    const auto encounters = import_mts_dialog(shared_dir() + "/data/mts-dialog/valid.csv", {}, report);
    const nlohmann::json schema = nlohmann::json(clinical_summary_schema());
    summary_counts counts;
    size_t next = 0;
    for (int i = 0; i < n; i++) {
        // Visits whose prompt leaves under 64 tokens of the context are passed over.
        std::vector<int32_t> prompt;
        do {
            prompt = chat_prompt_tokens(m.tok, prompt_summary_messages(encounters.at(next++ % encounters.size()).turns), true);
        } while (int64_t(prompt.size()) + 64 > n_ctx);
        auto constraint = json_constraint_create(clinical_summary_schema(), m.tok);
        generate_params params;
        params.max_tokens = int(std::min<int64_t>(max_tokens, n_ctx - int64_t(prompt.size())));  // long visits: less room
        params.sampling.temperature = 1.0f;
        params.sampling.seed = uint64_t(i) + 1;
        params.filter = &constraint->filter;
        inference_state st = inference_state_create(m, n_ctx);
        const generate_result r = generate(m, st, prompt, params);
        const std::string text = json_constraint_finish(*constraint, r.text);
        nlohmann::json doc;
        try {
            doc = nlohmann::json::parse(text);
        } catch (const nlohmann::json::exception& ex) {
            ADD_FAILURE() << "generation " << i << " does not parse: " << ex.what() << "\n" << text;
            continue;
        }
        const auto errors = json_schema_validate(schema, doc);
        if (!errors.empty()) {
            ADD_FAILURE() << "generation " << i << ": " << errors.front().path << ": " << errors.front().message << "\n"
                          << text;
            continue;
        }
        counts.valid++;
        counts.closed_by_model += r.finish_reason == "stop";
    }
    return counts;
}

TEST(ConstrainedSummarySlow, TwoHundredStories260kSummariesParseAndValidate) {
    auto m = model_load(shared_dir() + "/models/stories260k/stories260K.gguf");
    m->tok.chat_template =
        "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
        "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}";
    const summary_counts c = generate_summaries(*m, 200, 768, 2048);
    EXPECT_EQ(c.valid, 200);
    std::printf("stories260K: %d of 200 summaries valid, %d closed by the model within 768 tokens\n", c.valid,
                c.closed_by_model);
}

TEST(ConstrainedSummaryDefaultModel, SummariesParseAndValidate) {
    const std::string path = source_dir() + "/models/SmolLM2-135M-Instruct.Q4_1.gguf";
    if (!std::ifstream(path).good()) GTEST_SKIP() << "default model not downloaded (run scripts/setup.sh)";
    const int n = std::getenv("CLINOTE_SUMMARY_RUNS") ? std::atoi(std::getenv("CLINOTE_SUMMARY_RUNS")) : 3;
    auto m = model_load(path);
    const summary_counts c = generate_summaries(*m, n, 48, 4096);
    EXPECT_EQ(c.valid, n);
    std::printf("default model: %d of %d summaries valid, %d closed by the model within 48 tokens\n", c.valid, n,
                c.closed_by_model);
}

}  // namespace
