// WER against jiwer 4.0 and Whisper's BasicTextNormalizer (tools/make_asr_golden.py), and
// medical-term recall on hand-checked cases.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/file.h"
#include "core/paths.h"
#include "eval/asr_metrics.h"

using namespace clinote;

namespace {

nlohmann::json golden() {
    return nlohmann::json::parse(file_read_text(source_dir() + "/tests/golden/eval/asr_wer.json"));
}

const fact_lexicons& lexicons() {
    static const fact_lexicons lex = fact_lexicons_load(fact_lexicon_dir_default());
    return lex;
}

}  // namespace

TEST(AsrMetrics, NormalisationAndErrorCountsEqualJiwer) {
    const nlohmann::json g = golden();
    asr_word_errors total;
    for (const auto& c : g["cases"]) {
        const std::string ref = asr_normalize(c["reference"].get<std::string>());
        const std::string hyp = asr_normalize(c["hypothesis"].get<std::string>());
        EXPECT_EQ(ref, c["normalized_reference"]);
        EXPECT_EQ(hyp, c["normalized_hypothesis"]);
        const asr_word_errors e = asr_align(asr_words(ref), asr_words(hyp));
        EXPECT_EQ(e.hits, c["hits"]) << ref << " | " << hyp;
        EXPECT_EQ(e.substitutions, c["substitutions"]) << ref << " | " << hyp;
        EXPECT_EQ(e.deletions, c["deletions"]) << ref << " | " << hyp;
        EXPECT_EQ(e.insertions, c["insertions"]) << ref << " | " << hyp;
        EXPECT_NEAR(asr_wer(e), c["wer"].get<double>(), 1e-12) << ref << " | " << hyp;
        asr_add(total, e);
    }
    const auto& corpus = g["corpus"];
    EXPECT_EQ(total.hits, corpus["hits"]);
    EXPECT_EQ(total.substitutions, corpus["substitutions"]);
    EXPECT_EQ(total.deletions, corpus["deletions"]);
    EXPECT_EQ(total.insertions, corpus["insertions"]);
    EXPECT_NEAR(asr_wer(total), corpus["wer"].get<double>(), 1e-12);
}

TEST(AsrMetrics, EmptyTexts) {
    EXPECT_EQ(asr_normalize("  ...  "), "");
    EXPECT_TRUE(asr_words("").empty());
    const asr_word_errors none = asr_align({}, {});
    EXPECT_EQ(none.errors(), 0);
    EXPECT_EQ(asr_wer(none), 0.0);
    const asr_word_errors inserted = asr_align({}, {"uh", "huh"});
    EXPECT_EQ(inserted.insertions, 2);
    EXPECT_EQ(asr_wer(inserted), 2.0);  // per inserted word when nothing was said
}

TEST(AsrMetrics, MedicalTermRecallCountsConceptsAndSynonyms) {
    // Reference: ibuprofen, metformin, headache x2, nausea. The hypothesis has the brand name
    // Advil (the same concept as ibuprofen), one headache, nausea; metformin misheard.
    const asr_term_recall r =
        asr_terms("Headache for three days; I took ibuprofen and metformin. The headache came back with nausea.",
                  "headache for three days i took advil and met for men the head ache came back with nausea", lexicons());
    EXPECT_EQ(r.total, 5);
    EXPECT_EQ(r.found, 3);
    ASSERT_EQ(r.missed.size(), 2u);
    EXPECT_NE(std::find(r.missed.begin(), r.missed.end(), "metformin"), r.missed.end());
    EXPECT_NE(std::find(r.missed.begin(), r.missed.end(), "headache"), r.missed.end());

    const asr_term_recall none = asr_terms("Good morning, how are you?", "good morning how are you", lexicons());
    EXPECT_EQ(none.total, 0);
    EXPECT_EQ(none.found, 0);
}
