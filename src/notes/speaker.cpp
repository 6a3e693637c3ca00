#include "notes/speaker.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <vector>

namespace clinote {

namespace {

// Optimal-string-alignment distance, so a swapped pair ("docotr") costs one edit.
int edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::vector<int>> d(a.size() + 1, std::vector<int>(b.size() + 1));
    for (size_t i = 0; i <= a.size(); i++) d[i][0] = int(i);
    for (size_t j = 0; j <= b.size(); j++) d[0][j] = int(j);
    for (size_t i = 1; i <= a.size(); i++) {
        for (size_t j = 1; j <= b.size(); j++) {
            const int cost = a[i - 1] == b[j - 1] ? 0 : 1;
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
        }
    }
    return d[a.size()][b.size()];
}

enum class word { none, doctor, patient, family, clinician, guest, speaker };

word classify_word(std::string_view w) {
    struct entry { std::string_view text; word kind; };
    static constexpr std::array<entry, 11> words = {{
        {"doctor", word::doctor},       {"dr", word::doctor},
        {"physician", word::doctor},    {"provider", word::doctor},
        {"patient", word::patient},     {"pt", word::patient},
        {"family", word::family},       {"clinician", word::clinician},
        {"nurse", word::clinician},     {"guest", word::guest},
        {"speaker", word::speaker},
    }};
    for (const auto& e : words)
        if (w == e.text) return e.kind;
    // Typos only on longer words: a one-edit slip of "dr" or "pt" would match anything.
    for (const auto& e : words)
        if (e.text.size() >= 5 && w.size() >= 4 && edit_distance(w, e.text) <= 1) return e.kind;
    return word::none;
}

}  // namespace

std::optional<std::string> speaker_normalize(std::string_view raw) {
    std::vector<std::string> words;
    std::string number;
    std::string cur;
    auto flush = [&] {
        if (!cur.empty()) words.push_back(cur);
        cur.clear();
    };
    for (char ch : raw) {
        const unsigned char c = static_cast<unsigned char>(ch);
        if (std::isalpha(c)) {
            cur += char(std::tolower(c));
        } else if (std::isdigit(c)) {
            flush();
            number += ch;
        } else if (c == '[' || c == ']' || c == ':' || c == '_' || c == '-' || c == ' ' || c == '\t') {
            flush();
        } else {
            return std::nullopt;  // punctuation inside a label means it is prose, not a label
        }
    }
    flush();
    if (words.empty() || words.size() > 3 || number.size() > 3) return std::nullopt;

    bool doctor = false, patient = false, family = false, clinician = false, guest = false, speaker = false;
    for (const auto& w : words) {
        switch (classify_word(w)) {
            case word::doctor: doctor = true; break;
            case word::patient: patient = true; break;
            case word::family: family = true; break;
            case word::clinician: clinician = true; break;
            case word::guest: guest = true; break;
            case word::speaker: speaker = true; break;
            case word::none: return std::nullopt;
        }
    }
    std::string role;
    if (family) role = "Family";            // Guest_family, patient_family
    else if (clinician) role = "Clinician"; // Guest_clinician, nurse
    else if (guest) role = "Guest";         // patient_guest, guest
    else if (doctor) role = "Doctor";
    else if (patient) role = "Patient";
    else if (speaker) role = "Speaker";
    if (!number.empty()) {
        role += ' ';
        role += std::to_string(std::stoul(number));
    }
    return role;
}

}  // namespace clinote
