// Sampling against known answers: the filters keep exactly the tokens they should, and
// draws follow the renormalised distribution.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "generate/generate.h"
#include "generate/sampling.h"

using namespace clinote;

namespace {

// Logits whose softmax is exactly probs.
std::vector<float> logits_for(const std::vector<double>& probs) {
    std::vector<float> l;
    for (double p : probs) l.push_back(p > 0 ? float(std::log(p)) : -INFINITY);
    return l;
}

std::map<int32_t, double> frequencies(const sampler_params& p, const std::vector<double>& probs, int draws) {
    sampler s = sampler_create(p);
    std::map<int32_t, double> f;
    for (int i = 0; i < draws; i++) {
        std::vector<float> l = logits_for(probs);
        f[sampler_sample(s, l.data(), int32_t(l.size()), {})] += 1.0 / draws;
    }
    return f;
}

const std::vector<double> kProbs = {0.05, 0.4, 0.25, 0.2, 0.1};

TEST(Sampling, GreedyTakesTheArgmax) {
    sampler s = sampler_create({});
    std::vector<float> l = logits_for(kProbs);
    EXPECT_EQ(sampler_sample(s, l.data(), 5, {}), 1);
}

TEST(Sampling, RepeatPenaltyDividesPositiveAndMultipliesNegativeLogits) {
    sampler_params p;
    p.repeat_penalty = 2.0f;
    sampler s = sampler_create(p);
    std::vector<float> l = {1.0f, 3.0f, -1.0f, 2.5f};
    // Token 1 (3.0) was seen: 3.0 / 2 = 1.5 < 2.5, so token 3 wins.
    EXPECT_EQ(sampler_sample(s, l.data(), 4, {1, 2}), 3);
    EXPECT_FLOAT_EQ(l[1], 1.5f);
    EXPECT_FLOAT_EQ(l[2], -2.0f);
}

TEST(Sampling, TopKKeepsOnlyTheKMostLikely) {
    sampler_params p;
    p.temperature = 1.0f;
    p.top_k = 2;
    const auto f = frequencies(p, kProbs, 20000);
    EXPECT_EQ(f.size(), 2u);
    EXPECT_NEAR(f.at(1), 0.4 / 0.65, 0.02);
    EXPECT_NEAR(f.at(2), 0.25 / 0.65, 0.02);
}

TEST(Sampling, TopPKeepsTheSmallestPrefixReachingP) {
    sampler_params p;
    p.temperature = 1.0f;
    p.top_p = 0.8f;  // 0.4 + 0.25 = 0.65 < 0.8 <= 0.85: tokens 1, 2, 3
    const auto f = frequencies(p, kProbs, 20000);
    EXPECT_EQ(f.size(), 3u);
    EXPECT_NEAR(f.at(3), 0.2 / 0.85, 0.02);
}

TEST(Sampling, MinPDropsTokensBelowAFractionOfTheTop) {
    sampler_params p;
    p.temperature = 1.0f;
    p.min_p = 0.3f;  // floor 0.12: keeps 0.4, 0.25, 0.2
    const auto f = frequencies(p, kProbs, 20000);
    EXPECT_EQ(f.size(), 3u);
    EXPECT_EQ(f.count(4), 0u);
}

TEST(Sampling, TemperatureSharpensTheDistribution) {
    sampler_params p;
    p.temperature = 0.5f;  // p^2 renormalised
    const auto f = frequencies(p, kProbs, 40000);
    double z = 0;
    for (double q : kProbs) z += q * q;
    EXPECT_NEAR(f.at(1), 0.16 / z, 0.02);
}

TEST(Sampling, SameSeedSameDraws) {
    sampler_params p;
    p.temperature = 1.0f;
    p.seed = 42;
    sampler a = sampler_create(p), b = sampler_create(p);
    for (int i = 0; i < 100; i++) {
        std::vector<float> la = logits_for(kProbs), lb = logits_for(kProbs);
        ASSERT_EQ(sampler_sample(a, la.data(), 5, {}), sampler_sample(b, lb.data(), 5, {}));
    }
}

// DRY with repeats of up to 2 tokens free.
sampler dry_sampler(float multiplier, float base) {
    sampler_params p;
    p.dry_multiplier = multiplier;
    p.dry_base = base;
    p.dry_allowed_length = 2;
    return sampler_create(p);
}

TEST(Sampling, DryPenalisesTheTokenThatWouldContinueARepeatedSequence) {
    sampler s = dry_sampler(1.0f, 2.0f);
    std::vector<float> l(10, 0.0f);
    // The answer 5 6 7 8 5 6 7: "5 6 7" matched 3 tokens back, so 8 would repeat it: 1 * 2^(3 - 2).
    sampler_sample(s, l.data(), 10, {5, 6, 7, 8, 5, 6, 7});
    for (int t = 0; t < 10; t++) EXPECT_FLOAT_EQ(l[t], t == 8 ? -2.0f : 0.0f) << "token " << t;
}

TEST(Sampling, DryIgnoresShortMatchesThePromptAndSequenceBreakers) {
    sampler s = dry_sampler(1.0f, 2.0f);
    std::vector<float> l(10, 0.0f);
    sampler_sample(s, l.data(), 10, {5, 9, 7, 8, 5, 6, 7});  // only "7" matches: L = 1 < 2
    EXPECT_FLOAT_EQ(l[8], 0.0f);
    sampler_sample(s, l.data(), 10, {5, 6, 7, 8, 5, 6, 7}, 4);  // the repeat is of the prompt
    EXPECT_FLOAT_EQ(l[8], 0.0f);
    sampler_breakers_set(s, 10, [](int32_t t) { return t == 6 ? std::string("Plan:") : std::string("x"); });
    sampler_sample(s, l.data(), 10, {5, 6, 7, 8, 5, 6, 7});  // the match stops at the breaker 6
    EXPECT_FLOAT_EQ(l[8], 0.0f);
    sampler_sample(s, l.data(), 10, {1, 2, 3, 4, 1, 2, 3});  // no breaker in the match: 2^(3 - 2)
    EXPECT_FLOAT_EQ(l[4], -2.0f);
}

TEST(Sampling, DryPenaltyGrowsWithTheLengthOfTheRepeat) {
    sampler s = dry_sampler(0.8f, 1.75f);
    std::vector<float> l(10, 0.0f);
    // 1 2 3 4 5 6 | 1 2 3 4 5: five tokens repeat, 6 would make it six: 0.8 * 1.75^3.
    sampler_sample(s, l.data(), 10, {1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5});
    EXPECT_NEAR(l[6], -0.8f * 1.75f * 1.75f * 1.75f, 1e-5);
}

TEST(Sampling, NoRepeatNgramForbidsCompletingAnEarlierNgramOfTheAnswer) {
    sampler_params p;
    p.no_repeat_ngram = 3;
    sampler s = sampler_create(p);
    std::vector<float> l = {0.0f, 0.0f, 0.0f, 5.0f, 1.0f};
    // The answer ends in "1 2", which was followed by 3 before: 3 is forbidden, 4 wins.
    EXPECT_EQ(sampler_sample(s, l.data(), 5, {1, 2, 3, 1, 2}), 4);
    EXPECT_TRUE(std::isinf(l[3]) && l[3] < 0);
    std::vector<float> m = {0.0f, 0.0f, 0.0f, 5.0f, 1.0f};
    EXPECT_EQ(sampler_sample(s, m.data(), 5, {1, 2, 3, 1, 2}, 3), 3);  // "1 2 3" was the prompt's
}

TEST(Sampling, FrequencyAndPresencePenaltiesAsOpenAIDefinesThem) {
    // logit[t] -= count[t] * frequency + (count[t] > 0) * presence, over the answer only
    // (OpenAI's "Parameter details": mu[j] - c[j] * alpha_frequency - float(c[j] > 0) * alpha_presence).
    sampler_params p;
    p.frequency_penalty = 0.5f;
    p.presence_penalty = 0.25f;
    sampler s = sampler_create(p);
    std::vector<float> l(6, 1.0f);
    sampler_sample(s, l.data(), 6, {4, 4, 1, 2, 2, 2, 3}, 2);  // the prompt is "4 4"
    const std::vector<float> want = {1.0f, 0.25f, -0.75f, 0.25f, 1.0f, 1.0f};
    for (int t = 0; t < 6; t++) EXPECT_FLOAT_EQ(l[t], want[t]) << "token " << t;
    // Negative values encourage repeats, as OpenAI allows (-2..2).
    p.frequency_penalty = -1.0f;
    p.presence_penalty = 0.0f;
    sampler neg = sampler_create(p);
    std::vector<float> m = {0.0f, 0.5f, 0.0f};
    EXPECT_EQ(sampler_sample(neg, m.data(), 3, {2}, 0), 2);
}

TEST(Generate, Utf8IncompleteTailCountsTheBytesOfAnUnfinishedCharacter) {
    EXPECT_EQ(utf8_incomplete_tail("abc"), 0u);
    EXPECT_EQ(utf8_incomplete_tail("a\xC3"), 1u);             // first byte of é
    EXPECT_EQ(utf8_incomplete_tail("a\xC3\xA9"), 0u);         // é complete
    EXPECT_EQ(utf8_incomplete_tail("\xF0\x9F\x98"), 3u);      // 3 of 4 bytes of an emoji
    EXPECT_EQ(utf8_incomplete_tail("\xF0\x9F\x98\x80"), 0u);
}

}  // namespace
