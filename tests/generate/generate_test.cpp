// The generation loop on a real tiny model (stories260K): streamed pieces add up to the
// result, stop strings cut exactly before themselves, and the token limit holds.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include <nlohmann/json.hpp>

#include "core/paths.h"
#include "generate/generate.h"

using namespace clinote;

namespace {

struct run {
    generate_result result;
    std::string streamed;
};

run generate_story(const model& m, const generate_params& p) {
    inference_state st = inference_state_create(m, 0);
    run r;
    r.result = generate(m, st, tokenizer_encode(m.tok, "Once upon a time", true), p, [&](const std::string& piece) {
        r.streamed += piece;
        return true;
    });
    return r;
}

TEST(Generate, StreamedPiecesMakeTheResultAndStopStringsCutBeforeThemselves) {
    auto m = model_load(shared_dir() + "/models/stories260k/stories260K.gguf");
    generate_params p;
    p.max_tokens = 48;
    const run full = generate_story(*m, p);
    EXPECT_EQ(full.streamed, full.result.text);
    EXPECT_EQ(full.result.finish_reason, "length");
    EXPECT_EQ(full.result.tokens.size(), 48u);
    EXPECT_EQ(full.result.text, tokenizer_decode(m->tok, full.result.tokens));

    // A stop string taken from the middle of the greedy text: the same run cut just before it.
    const size_t cut = full.result.text.size() / 2;
    const std::string stop = full.result.text.substr(cut, 6);
    const size_t first = full.result.text.find(stop);
    p.stop = {stop};
    const run stopped = generate_story(*m, p);
    EXPECT_EQ(stopped.result.finish_reason, "stop");
    EXPECT_EQ(stopped.result.text, full.result.text.substr(0, first));
    EXPECT_EQ(stopped.streamed, stopped.result.text);
}

TEST(Generate, CancellingFromTheCallbackStops) {
    auto m = model_load(shared_dir() + "/models/stories260k/stories260K.gguf");
    inference_state st = inference_state_create(*m, 0);
    generate_params p;
    p.max_tokens = 40;
    int pieces = 0;
    const generate_result r = generate(*m, st, tokenizer_encode(m->tok, "Once upon a time", true), p,
                                       [&](const std::string&) { return ++pieces < 3; });
    EXPECT_EQ(r.finish_reason, "cancelled");
    EXPECT_LT(r.tokens.size(), 40u);
}

}  // namespace

// Log-probabilities against transformers (tests/golden/model/stories260k.json, made by
// tools/make_golden_model.py): after the golden prompt the ten most likely tokens come in
// the reference's order and differ from each other as its logits do; every kept
// log-probability is a proper one (the alternatives' probabilities sum to at most 1), the
// chosen token is the greedy one, and asking for them does not change the text.
TEST(Generate, LogprobsMatchTheReferenceLogits) {
    std::ifstream f(source_dir() + "/tests/golden/model/stories260k.json");
    const nlohmann::json golden = nlohmann::json::parse(f);
    auto m = model_load(shared_dir() + "/models/stories260k/stories260K.gguf");
    generate_params p;
    p.max_tokens = 12;
    p.top_logprobs = 10;
    inference_state st = inference_state_create(*m, 0);
    const generate_result r = generate(*m, st, golden["prompt_ids"].get<std::vector<int32_t>>(), p);
    ASSERT_EQ(r.logprobs.size(), r.tokens.size());
    const auto& top10 = golden["last_logits_top10"];
    const std::vector<std::pair<int32_t, float>>& first = r.logprobs[0].top;
    ASSERT_EQ(first.size(), 10u);
    for (size_t i = 0; i < 10; i++) {
        EXPECT_EQ(first[i].first, top10[i][0].get<int32_t>()) << i;
        EXPECT_NEAR(first[i].second - first[0].second, top10[i][1].get<float>() - top10[0][1].get<float>(), 2e-2) << i;
    }
    const auto greedy = golden["greedy"].get<std::vector<int32_t>>();
    for (size_t t = 0; t < r.logprobs.size(); t++) {
        const token_logprob& lp = r.logprobs[t];
        EXPECT_EQ(lp.token, greedy[t]);
        EXPECT_EQ(lp.token, lp.top[0].first);
        EXPECT_FLOAT_EQ(lp.logprob, lp.top[0].second);
        double mass = 0;
        for (size_t i = 0; i < lp.top.size(); i++) {
            EXPECT_LE(lp.top[i].second, 0.0f);
            if (i) {
                EXPECT_LE(lp.top[i].second, lp.top[i - 1].second);
            }
            mass += std::exp(double(lp.top[i].second));
        }
        EXPECT_LE(mass, 1.0 + 1e-5);
        EXPECT_GT(mass, 0.5);  // a tiny model trained on stories is sure of most next tokens
    }
    p.top_logprobs = -1;
    inference_state again = inference_state_create(*m, 0);
    const generate_result plain = generate(*m, again, golden["prompt_ids"].get<std::vector<int32_t>>(), p);
    EXPECT_EQ(plain.tokens, r.tokens);
    EXPECT_TRUE(plain.logprobs.empty());
}
