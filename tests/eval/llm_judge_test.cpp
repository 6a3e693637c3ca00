// The LLM judge against a fake OpenAI-compatible endpoint served in-process (cpp-httplib):
// good answers become scores, garbage is retried and then counted as a failure, raw answers kept.
#include <gtest/gtest.h>

#include "eval/fake_openai.h"
#include "eval/llm_judge.h"

using namespace clinote;

namespace {

const std::string good =
    "Here are my scores: {\"accuracy\": 4, \"completeness\": 3, \"hallucination\": 5, \"organization\": 4, "
    "\"clarity\": 4, \"conciseness\": 2, \"clinical_usefulness\": 3, \"safety\": 5}";

}  // namespace

TEST(LlmJudge, WeightedTotalCountsHallucinationAndCompletenessTwice) {
    std::map<std::string, int> s;
    std::string why;
    ASSERT_TRUE(judge_parse_answer(good, s, why)) << why;
    // (4 + 2*3 + 2*5 + 4 + 4 + 2 + 3 + 5) / 10 = 38 / 10
    EXPECT_DOUBLE_EQ(judge_weighted_total(s), 3.8);
}

TEST(LlmJudge, ParseRejectsMissingOutOfRangeAndNonIntegerScores) {
    std::map<std::string, int> s;
    std::string why;
    EXPECT_FALSE(judge_parse_answer("I think the note is good.", s, why));
    EXPECT_FALSE(judge_parse_answer("{\"accuracy\": 4}", s, why));
    EXPECT_NE(why.find("missing score"), std::string::npos);
    std::string out_of_range = good;
    out_of_range.replace(out_of_range.find("\"safety\": 5"), 11, "\"safety\": 7");
    EXPECT_FALSE(judge_parse_answer(out_of_range, s, why));
    std::string fractional = good;
    fractional.replace(fractional.find("\"safety\": 5"), 11, "\"safety\": 4.5");
    EXPECT_FALSE(judge_parse_answer(fractional, s, why));
}

TEST(LlmJudge, GoodAnswerFromEndpoint) {
    fake_endpoint ep({good});
    const judge_result r = judge_note(ep.client(2), "Doctor: hi", "ref", "note");
    EXPECT_TRUE(r.ok) << r.error;
    EXPECT_EQ(r.attempts, 1);
    EXPECT_DOUBLE_EQ(r.weighted_total, 3.8);
    EXPECT_EQ(r.raw_answers, std::vector<std::string>{good});
    EXPECT_EQ(ep.last_request["model"], "fake-judge");
    EXPECT_NE(ep.last_request["messages"][1]["content"].get<std::string>().find("Note to grade:\nnote"), std::string::npos);
}

TEST(LlmJudge, GarbageIsRetriedThenScored) {
    fake_endpoint ep({"garbage", "{\"accuracy\": 9}", good});
    const judge_result r = judge_note(ep.client(2), "t", "", "n");
    EXPECT_TRUE(r.ok);
    EXPECT_EQ(r.attempts, 3);
    EXPECT_EQ(r.raw_answers.size(), 3u);
    EXPECT_EQ(r.raw_answers[0], "garbage");
}

TEST(LlmJudge, PersistentGarbageIsAFailureNotAScore) {
    fake_endpoint ep({"garbage"});
    const judge_result r = judge_note(ep.client(1), "t", "", "n");
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.attempts, 2);
    EXPECT_EQ(ep.requests.load(), 2);
    EXPECT_TRUE(r.scores.empty());
    EXPECT_EQ(judge_result_json(r).contains("weighted_total"), false);
    EXPECT_FALSE(r.error.empty());
}

TEST(LlmJudge, UnreachableEndpointIsAFailure) {
    int port = 0;
    {
        fake_endpoint ep({good});
        port = ep.port;
    }  // stopped: nothing listens there now
    judge_client c;
    c.base_url = "http://127.0.0.1:" + std::to_string(port) + "/v1";
    c.model = "m";
    c.retries = 0;
    const judge_result r = judge_note(c, "t", "", "n");
    EXPECT_FALSE(r.ok);
    EXPECT_NE(r.error.find("request failed"), std::string::npos) << r.error;
}
