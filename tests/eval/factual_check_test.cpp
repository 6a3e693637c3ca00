// Factual-error checks on hand-made cases whose right answer is evident from the text.
#include <gtest/gtest.h>

#include <string>

#include "core/error.h"
#include "eval/clinical_facts.h"
#include "eval/factual_check.h"

namespace clinote {
namespace {

const fact_lexicons& lexicons() {
    static const fact_lexicons lex = fact_lexicons_load(fact_lexicon_dir_default());
    return lex;
}

factual_report check(const std::string& transcript, const std::string& note,
                     std::optional<std::string_view> reference = std::nullopt) {
    return factual_check(transcript, note, reference, lexicons());
}

std::string span(const std::string& text, const fact_issue& i) { return text.substr(i.begin, i.end - i.begin); }

TEST(FactualCheck, WrongDoseIsFlaggedWithItsSpan) {
    const std::string note = "Continue metformin 50 mg twice daily.";
    const factual_report r = check("Doctor: Are you still taking metformin?\nPatient: Yes, 500 mg twice a day.", note);
    ASSERT_EQ(r.unsupported.size(), 1u);
    EXPECT_EQ(r.unsupported[0].kind, fact_kind::dose);
    EXPECT_EQ(span(note, r.unsupported[0]), "50 mg");
    EXPECT_EQ(r.unsupported[0].text, "50 mg");
    EXPECT_NE(r.unsupported[0].reason.find("500 mg"), std::string::npos) << r.unsupported[0].reason;
}

TEST(FactualCheck, DoseUnitsAreNormalised) {
    EXPECT_TRUE(check("I take 500 mg of metformin.", "Metformin 500mg.").unsupported.empty());
    EXPECT_TRUE(check("I take 500 milligrams of metformin.", "Metformin 500 mg.").unsupported.empty());
    EXPECT_TRUE(check("I take five hundred milligrams of metformin.", "Metformin 500 mg.").unsupported.empty());
    EXPECT_TRUE(check("I take half a gram, 0.5 g of metformin.", "Metformin 500 mg.").unsupported.empty());
    EXPECT_TRUE(check("He weighs 154 pounds.", "Weight 70 kg.").unsupported.empty());
    EXPECT_TRUE(check("Temperature was 98.6 degrees.", "T 98.6°F.").unsupported.empty());
    EXPECT_TRUE(check("It was ninety eight point six.", "Temp 98.6 F.").unsupported.empty());
    EXPECT_TRUE(check("Blood pressure is one twenty over eighty.", "BP 120/80 mmHg.").unsupported.empty());
    // Same number, different quantity: 500 mcg is not 500 mg.
    const factual_report r = check("I take 500 mcg daily.", "Takes 500 mg daily.");
    ASSERT_EQ(r.unsupported.size(), 1u);
    EXPECT_EQ(r.unsupported[0].text, "500 mg");
}

TEST(FactualCheck, NumbersMustAppearInTheTranscript) {
    const std::string note = "45-year-old with cough for 3 days.\n1. Cough.";
    const factual_report ok = check("I'm forty five. I've been coughing for three days.", note);
    EXPECT_TRUE(ok.unsupported.empty()) << factual_report_json(ok).dump();
    const factual_report bad = check("I'm forty five. I've been coughing for two days.", note);
    ASSERT_EQ(bad.unsupported.size(), 1u) << factual_report_json(bad).dump();
    EXPECT_EQ(bad.unsupported[0].kind, fact_kind::number);
    EXPECT_EQ(span(note, bad.unsupported[0]), "3");
}

TEST(FactualCheck, DrugsMatchByConceptIncludingBrandNames) {
    EXPECT_TRUE(check("I take Tylenol for the pain.", "Uses acetaminophen as needed.").unsupported.empty());
    const std::string note = "Started lisinopril and atorvastatin.";
    const factual_report r = check("We will start you on lisinopril today.", note);
    ASSERT_EQ(r.unsupported.size(), 1u);
    EXPECT_EQ(r.unsupported[0].kind, fact_kind::drug);
    EXPECT_EQ(span(note, r.unsupported[0]), "atorvastatin");
}

TEST(FactualCheck, LateralitySwapIsFlagged) {
    const std::string note = "Pain in the right knee after a fall.";
    const factual_report r = check("Patient: My left knee hurts since I fell.", note);
    ASSERT_EQ(r.unsupported.size(), 1u);
    EXPECT_EQ(r.unsupported[0].kind, fact_kind::laterality);
    EXPECT_EQ(span(note, r.unsupported[0]), "right");
    EXPECT_NE(r.unsupported[0].reason.find("left knee"), std::string::npos) << r.unsupported[0].reason;
    EXPECT_TRUE(check("Patient: My left knee hurts.", "Left knee pain.").unsupported.empty());
    EXPECT_TRUE(check("The swelling is in the knee on the left.", "Left knee swelling.").unsupported.empty());
    // "right" meaning "correct" is not a side.
    EXPECT_TRUE(check("Doctor: That's right. Your left knee?", "Left knee pain.").unsupported.empty());
}

TEST(FactualCheck, NegationFlipIsFlaggedBothWays) {
    const std::string note = "Reports fever. No cough.";
    const factual_report r = check("Patient: I have no fever but I do have a cough.", note);
    ASSERT_EQ(r.unsupported.size(), 2u) << factual_report_json(r).dump();
    EXPECT_EQ(r.unsupported[0].kind, fact_kind::negation);
    EXPECT_EQ(span(note, r.unsupported[0]), "fever");
    EXPECT_NE(r.unsupported[0].reason.find("denies fever"), std::string::npos);
    EXPECT_EQ(span(note, r.unsupported[1]), "cough");
    EXPECT_NE(r.unsupported[1].reason.find("affirms cough"), std::string::npos);
    EXPECT_TRUE(check("Patient: No fever.", "Denies fever.").unsupported.empty());
    // A review-of-systems list is negated to its end, so the last item is still denied.
    const std::string ros = "Denies weight gain, swelling in the legs, fevers, chills, dizziness, cough, wheezing, nausea.";
    const factual_report list = check("Patient: I've been nauseous all week.", ros);
    ASSERT_EQ(list.unsupported.size(), 1u) << factual_report_json(list).dump();
    EXPECT_EQ(span(ros, list.unsupported[0]), "nausea");
    // "but" ends the negation: the cough is affirmed, as in the transcript.
    EXPECT_TRUE(check("Patient: I cough a lot.", "No fever but has a cough.").unsupported.empty());
    EXPECT_TRUE(check("Patient: I don't have any chest pain.", "Patient denies chest pain.").unsupported.empty());
}

TEST(FactualCheck, QuestionsTakeTheirPolarityFromTheAnswer) {
    const std::string transcript = "Doctor: Any fever or chills?\nPatient: No.\nDoctor: Chest pain?\nPatient: Yes, a little.";
    EXPECT_TRUE(check(transcript, "Denies fever and chills. Has chest pain.").unsupported.empty());
    const factual_report r = check(transcript, "Fever. No chest pain.");
    ASSERT_EQ(r.unsupported.size(), 2u) << factual_report_json(r).dump();
    EXPECT_EQ(r.unsupported[0].kind, fact_kind::negation);
    EXPECT_EQ(r.unsupported[1].kind, fact_kind::negation);
}

TEST(FactualCheck, DatesAgreeOnTheFieldsBothState) {
    EXPECT_TRUE(check("It started on March third.", "Onset 03/03/2021.").unsupported.empty());
    EXPECT_TRUE(check("Surgery was in June 2019.", "Surgery June 2019.").unsupported.empty());
    const std::string note = "Surgery on July 4th, 2019.";
    const factual_report r = check("My surgery was on June 4th, 2019.", note);
    ASSERT_EQ(r.unsupported.size(), 1u) << factual_report_json(r).dump();
    EXPECT_EQ(r.unsupported[0].kind, fact_kind::date);
    EXPECT_EQ(span(note, r.unsupported[0]), "July 4th, 2019");
}

TEST(FactualCheck, OmissionsComeFromTheReference) {
    const std::string reference = "Denies chest pain. Takes aspirin 81 mg. Right ankle swelling.";
    const std::string transcript = "No chest pain. I take aspirin 81 mg. My right ankle is swollen.";
    const factual_report full = check(transcript, reference, reference);
    EXPECT_TRUE(full.omissions.empty()) << factual_report_json(full).dump();
    EXPECT_GT(full.reference_facts, 3u);
    const factual_report r = check(transcript, "Right ankle swelling.", reference);
    EXPECT_TRUE(r.unsupported.empty());
    ASSERT_EQ(r.omissions.size(), 3u) << factual_report_json(r).dump();
    EXPECT_EQ(span(reference, r.omissions[0]), "chest pain");
    EXPECT_EQ(span(reference, r.omissions[1]), "aspirin");
    EXPECT_EQ(span(reference, r.omissions[2]), "81 mg");
    // A note that affirms what the reference denies omits the denial.
    const factual_report flip = check(transcript, "Chest pain. Aspirin 81 mg. Right ankle swelling.", reference);
    ASSERT_EQ(flip.omissions.size(), 1u);
    EXPECT_NE(flip.omissions[0].reason.find("negation flip"), std::string::npos);
}

TEST(FactualCheck, RatesArePer100Notes) {
    std::vector<factual_report> reports(4);
    reports[0].unsupported.push_back({fact_kind::dose, 0, 1, "x", ""});
    reports[0].unsupported.push_back({fact_kind::drug, 0, 1, "x", ""});
    reports[1].unsupported.push_back({fact_kind::dose, 0, 1, "x", ""});
    reports[2].omissions.push_back({fact_kind::date, 0, 1, "x", ""});
    const factual_rates rates = factual_rates_compute(reports);
    EXPECT_EQ(rates.notes, 4u);
    EXPECT_DOUBLE_EQ(rates.unsupported_per_100[static_cast<size_t>(fact_kind::dose)], 50.0);
    EXPECT_DOUBLE_EQ(rates.unsupported_per_100[static_cast<size_t>(fact_kind::drug)], 25.0);
    EXPECT_DOUBLE_EQ(rates.unsupported_total_per_100, 75.0);
    EXPECT_DOUBLE_EQ(rates.omissions_per_100[static_cast<size_t>(fact_kind::date)], 25.0);
    EXPECT_DOUBLE_EQ(rates.notes_with_unsupported_percent, 50.0);
    EXPECT_EQ(factual_rates_json(rates)["unsupported_per_100_notes"]["dose"], 50.0);
    EXPECT_EQ(factual_rates_compute({}).notes, 0u);
}

TEST(ClinicalFacts, ExtractsEachKindWithSpans) {
    const std::string text = "Left-sided weakness since January 5, 2020; takes Lasix 40mg and 2 tablets. Denies nausea.";
    const std::vector<clinical_fact> f = clinical_facts_extract(text, lexicons());
    ASSERT_EQ(f.size(), 7u);
    EXPECT_EQ(f[0].kind, fact_kind::laterality);
    EXPECT_EQ(f[0].text, "Left");
    EXPECT_EQ(f[0].concept_name, "weakness");
    EXPECT_EQ(f[1].kind, fact_kind::negation);
    EXPECT_EQ(f[1].concept_name, "weakness");
    EXPECT_FALSE(f[1].negated);
    EXPECT_EQ(f[2].kind, fact_kind::date);
    EXPECT_EQ(f[2].text, "January 5, 2020");
    EXPECT_EQ(f[2].year * 10000 + f[2].month * 100 + f[2].day, 20200105);
    EXPECT_EQ(f[3].kind, fact_kind::drug);
    EXPECT_EQ(f[3].concept_name, "furosemide");
    EXPECT_EQ(f[4].kind, fact_kind::dose);
    EXPECT_EQ(f[4].text, "40mg");
    EXPECT_EQ(f[4].unit, "mg");
    EXPECT_EQ(f[5].kind, fact_kind::number);
    EXPECT_EQ(f[5].value, 2.0);
    EXPECT_EQ(f[6].kind, fact_kind::negation);
    EXPECT_TRUE(f[6].negated);
    EXPECT_EQ(text.substr(f[6].begin, f[6].end - f[6].begin), "nausea");
}

TEST(TermLexicon, RejectsEmptyNamesWithTheLine) {
    EXPECT_THROW(term_lexicon_parse("aspirin\n | tylenol\n", "drugs.txt"), error);
    try {
        term_lexicon_parse("aspirin\nibuprofen | advil,\n", "drugs.txt");
        FAIL();
    } catch (const error& e) {
        EXPECT_STREQ(e.what(), "drugs.txt:2: empty synonym");
    }
    EXPECT_THROW(term_lexicon_load("/nonexistent/drugs.txt"), error);
}

}  // namespace
}  // namespace clinote
