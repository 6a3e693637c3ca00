// The generation loop on a real tiny model (stories260K): streamed pieces add up to the
// result, stop strings cut exactly before themselves, and the token limit holds.
#include <gtest/gtest.h>

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
