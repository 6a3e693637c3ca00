// Speaker labels differ per dataset ("Doctor:", "[doctor]", "Guest_family_1", "Docotr_2",
// "[patient_guest]"); they are folded into a small canonical set so that training data and
// live transcripts name speakers the same way.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace clinote {

// Canonical label for a raw speaker label: "Doctor", "Patient", "Family", "Clinician",
// "Guest" or "Speaker", followed by " N" when the label carries a number ("Doctor_2" ->
// "Doctor 2"). Surrounding brackets, a trailing colon, case and single-letter typos are
// ignored. nullopt when the label names no known role.
std::optional<std::string> speaker_normalize(std::string_view raw);

}  // namespace clinote
