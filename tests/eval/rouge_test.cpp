// ROUGE and the Porter stemmer against golden files from the real rouge-score 0.1.2 and
// NLTK PorterStemmer (tools/make_rouge_golden.py), plus small hand-checked cases.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/paths.h"
#include "eval/porter_stemmer.h"
#include "eval/rouge.h"

namespace clinote {
namespace {

std::string golden_path(const std::string& name) { return source_dir() + "/tests/golden/eval/" + name; }

TEST(PorterStemmer, MatchesNltkOnEveryMtsDialogWord) {
    std::ifstream in(golden_path("porter_stems.tsv"));
    ASSERT_TRUE(in) << "missing golden file; run tools/make_rouge_golden.py";
    std::string line;
    size_t n = 0, wrong = 0;
    while (std::getline(in, line)) {
        const size_t tab = line.find('\t');
        const std::string word = line.substr(0, tab);
        const std::string expected = tab == std::string::npos ? word : line.substr(tab + 1);
        const std::string got = porter_stem(word);
        if (got != expected && ++wrong <= 20) ADD_FAILURE() << word << ": expected " << expected << ", got " << got;
        n++;
    }
    EXPECT_GT(n, 5000u);
    EXPECT_EQ(wrong, 0u) << "of " << n << " words";
}

TEST(Rouge, MatchesRougeScorePackageOnGoldenPairs) {
    std::ifstream in(golden_path("rouge_pairs.jsonl"));
    ASSERT_TRUE(in) << "missing golden file; run tools/make_rouge_golden.py";
    std::string line;
    ASSERT_TRUE(std::getline(in, line));
    const nlohmann::json header = nlohmann::json::parse(line);
    std::vector<std::string> texts;
    size_t pairs = 0, wrong = 0, multiline = 0;
    while (std::getline(in, line)) {
        const nlohmann::json j = nlohmann::json::parse(line);
        if (j.contains("text")) {
            texts.push_back(j["text"].get<std::string>());
            continue;
        }
        const std::string& ref = texts.at(j["ref"].get<size_t>());
        const std::string& hyp = texts.at(j["hyp"].get<size_t>());
        if (ref.find('\n') != std::string::npos) multiline++;
        const rouge_scores s = rouge_score(ref, hyp, j["stem"].get<bool>());
        const double got[12] = {s.rouge1.precision,    s.rouge1.recall,    s.rouge1.fmeasure,
                                s.rouge2.precision,    s.rouge2.recall,    s.rouge2.fmeasure,
                                s.rougeL.precision,    s.rougeL.recall,    s.rougeL.fmeasure,
                                s.rougeLsum.precision, s.rougeLsum.recall, s.rougeLsum.fmeasure};
        const auto& expected = j["scores"];
        for (size_t k = 0; k < 12; k++) {
            if (std::abs(got[k] - expected[k].get<double>()) > 1e-6) {
                if (++wrong <= 20)
                    ADD_FAILURE() << header["score_order"][k].get<std::string>() << " pair " << pairs << ": expected "
                                  << expected[k] << ", got " << got[k] << "\nref: " << ref << "\nhyp: " << hyp;
                break;
            }
        }
        pairs++;
    }
    EXPECT_EQ(texts.size(), header["texts"].get<size_t>());
    EXPECT_EQ(pairs, header["pairs"].get<size_t>());
    EXPECT_GE(pairs, 1000u);
    EXPECT_GT(multiline, 100u);
    EXPECT_EQ(wrong, 0u) << "pairs differ from rouge-score";
}

TEST(Rouge, TokenizerLowercasesSplitsAndStemsLongTokensOnly) {
    EXPECT_EQ(rouge_tokenize("The Patient's BP: 120/80, was RUNNING.", true),
              (std::vector<std::string>{"the", "patient", "s", "bp", "120", "80", "was", "run"}));
    EXPECT_EQ(rouge_tokenize("was running", false), (std::vector<std::string>{"was", "running"}));
    // 'was' has 3 characters and is not stemmed; 'İ' lowercases to 'i' + a combining dot.
    EXPECT_EQ(rouge_tokenize("was İx \xE2\x84\xAAg", true), (std::vector<std::string>{"was", "i", "x", "kg"}));
    EXPECT_TRUE(rouge_tokenize("— … “”", true).empty());
}

TEST(Rouge, HandComputedScores) {
    // ref: a b c d, hyp: a c b d. Unigrams all match; bigrams none; LCS 3 (a b d or a c d).
    const rouge_scores s = rouge_score("a b c d", "a c b d");
    EXPECT_DOUBLE_EQ(s.rouge1.fmeasure, 1.0);
    EXPECT_DOUBLE_EQ(s.rouge2.fmeasure, 0.0);
    EXPECT_DOUBLE_EQ(s.rougeL.precision, 0.75);
    EXPECT_DOUBLE_EQ(s.rougeLsum.recall, 0.75);
    // Empty hypothesis: everything zero, no division by zero.
    const rouge_scores e = rouge_score("a b", "");
    EXPECT_EQ(e.rouge1.fmeasure, 0.0);
    EXPECT_EQ(e.rougeLsum.fmeasure, 0.0);
    // Lsum: reference lines "a b" / "c d", hypothesis one line "c d a b": the union LCS per
    // reference line finds both, so Lsum recall is 1 while rougeL's single LCS is 2/4.
    const rouge_scores l = rouge_score("a b\nc d", "c d a b");
    EXPECT_DOUBLE_EQ(l.rougeL.recall, 0.5);
    EXPECT_DOUBLE_EQ(l.rougeLsum.recall, 1.0);
}

// A pair too long to score is one clear error (it was std::bad_alloc from a 4 MB text).
TEST(Rouge, TextsBeyondTheLcsLimitAreRefused) {
    std::string long_text;
    for (int i = 0; i < 12000; i++) long_text += "word ";
    try {
        rouge_score(long_text, long_text);
        FAIL() << "scored";
    } catch (const error& e) {
        EXPECT_NE(std::string(e.what()).find("ROUGE-L: texts of 12000 and 12000 tokens are beyond what is scored"),
                  std::string::npos)
            << e.what();
    }
    EXPECT_DOUBLE_EQ(rouge_score(long_text.substr(0, 5000), long_text.substr(0, 5000)).rougeL.fmeasure, 1.0);
}

TEST(Rouge, MeanAveragesEachField) {
    const std::vector<rouge_scores> v = {rouge_score("a b", "a b"), rouge_score("a b", "c d")};
    const rouge_scores m = rouge_mean(v);
    EXPECT_DOUBLE_EQ(m.rouge1.fmeasure, 0.5);
    EXPECT_DOUBLE_EQ(m.rougeLsum.precision, 0.5);
    EXPECT_EQ(rouge_mean({}).rouge2.recall, 0.0);
}

}  // namespace
}  // namespace clinote
