#include <gtest/gtest.h>

#include "notes/speaker.h"

using clinote::speaker_normalize;

TEST(Speaker, DatasetLabelsMapToCanonicalNames) {
    // Every label found in MTS-Dialog and ACI-Bench (see tools/make_data_golden.py).
    const std::pair<const char*, const char*> cases[] = {
        {"Doctor", "Doctor"},         {"Patient", "Patient"},          {"Guest_family", "Family"},
        {"Guest_clinician", "Clinician"}, {"Doctor_2", "Doctor 2"},    {"Guest_family_1", "Family 1"},
        {"Guest_family_2", "Family 2"}, {"Guest_family2", "Family 2"}, {"Guest_clinican", "Clinician"},
        {"Gest_family", "Family"},    {"Docotr_2", "Doctor 2"},        {"[doctor]", "Doctor"},
        {"[patient]", "Patient"},     {"[patient_guest]", "Guest"},    {"doctor", "Doctor"},
        {"Doctor:", "Doctor"},        {"PATIENT", "Patient"},          {"Dr", "Doctor"},
        {"Speaker 3", "Speaker 3"},   {"nurse", "Clinician"},          {" Patient ", "Patient"},
    };
    for (const auto& [raw, want] : cases) {
        auto got = speaker_normalize(raw);
        ASSERT_TRUE(got.has_value()) << raw;
        EXPECT_EQ(*got, want) << raw;
    }
}

TEST(Speaker, ProseIsNotALabel) {
    for (const char* raw : {"Okay", "Patient reports", "So, doctor", "", "   ", "The patient", "Blood pressure",
                            "Doctor.", "Sp", "d", "docs", "Doctor 12345"})
        EXPECT_FALSE(speaker_normalize(raw).has_value()) << raw;
}
