#include "data/split.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

#include "core/error.h"
#include "core/random.h"
#include "notes/transcript.h"

namespace clinote {

namespace {

uint64_t fnv1a(const std::string& s) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ull;
    return h;
}

void shuffle(std::vector<std::string>& v, uint64_t seed) {
    uint64_t state = seed;
    random_shuffle(v, state);
}

std::string stratum_of(const encounter& e) {
    if (!encounter_is_section_level(e)) return "note";
    const note_section& s = e.sections[0];
    return "section:" + (s.key.empty() ? s.header : s.key);
}

bool word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

std::string lower(std::string s) {
    for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

}  // namespace

bool text_mentions(const std::string& text, const std::string& concept_name) {
    const std::string t = lower(text), c = lower(concept_name);
    if (c.empty()) return false;
    size_t pos = 0;
    while ((pos = t.find(c, pos)) != std::string::npos) {
        const size_t end = pos + c.size();
        if ((pos == 0 || !word_char(t[pos - 1])) && (end == t.size() || !word_char(t[end]))) return true;
        pos++;
    }
    return false;
}

split_result split_encounters(const std::vector<encounter>& encounters, const split_options& o) {
    const double total = o.train + o.valid + o.test;
    if (!(o.train >= 0 && o.valid >= 0 && o.test >= 0 && total > 0)) fail("--ratios", "fractions must be >= 0, not all 0");

    // Group -> its encounters' indices; group order and membership are independent of input order.
    std::map<std::string, std::vector<size_t>> groups;
    for (size_t i = 0; i < encounters.size(); i++) {
        const encounter& e = encounters[i];
        groups[e.group.empty() ? e.id : e.group].push_back(i);
    }

    split_result r;
    std::map<std::string, std::vector<std::string>> strata;  // stratum -> group ids
    for (auto& [gid, members] : groups) {
        std::sort(members.begin(), members.end(),
                  [&](size_t a, size_t b) { return encounters[a].id < encounters[b].id; });
        bool held = false;
        for (size_t i : members) {
            const encounter& e = encounters[i];
            const std::string text = encounter_transcript(e) + "\n" + encounter_reference(e);
            for (const auto& c : o.holdout_concepts) held = held || text_mentions(text, c);
        }
        if (held) {
            for (size_t i : members) {
                r.split_of[encounters[i].id] = "test";
                r.held_out.push_back(encounters[i].id);
            }
            continue;
        }
        strata[o.stratify ? stratum_of(encounters[members[0]]) : "all"].push_back(gid);
    }

    for (auto& [name, gids] : strata) {
        shuffle(gids, o.seed ^ fnv1a(name));
        const double n = double(gids.size());
        const size_t n_train = size_t(std::llround(n * o.train / total));
        const size_t n_train_valid = std::max(n_train, size_t(std::llround(n * (o.train + o.valid) / total)));
        for (size_t k = 0; k < gids.size(); k++) {
            const char* split = k < n_train ? "train" : k < n_train_valid ? "valid" : "test";
            for (size_t i : groups[gids[k]]) r.split_of[encounters[i].id] = split;
        }
    }
    std::sort(r.held_out.begin(), r.held_out.end());
    return r;
}

nlohmann::json split_to_json(const split_result& s, const split_options& o) {
    nlohmann::json j = {{"seed", o.seed},
                        {"ratios", {o.train, o.valid, o.test}},
                        {"stratify", o.stratify},
                        {"holdout_concepts", o.holdout_concepts},
                        {"held_out", s.held_out},
                        {"train", nlohmann::json::array()},
                        {"valid", nlohmann::json::array()},
                        {"test", nlohmann::json::array()}};
    for (const auto& [id, split] : s.split_of) j[split].push_back(id);
    return j;
}

split_result split_from_json(const nlohmann::json& j, const std::string& where) {
    if (!j.is_object()) fail(where, "a splits file must be a JSON object");
    split_result s;
    for (const char* name : {"train", "valid", "test"}) {
        if (!j.contains(name) || !j[name].is_array()) fail(where, std::string(name) + ": missing or not an array");
        for (const auto& id : j[name]) {
            if (!id.is_string()) fail(where, std::string(name) + ": ids must be strings");
            if (!s.split_of.emplace(id.get<std::string>(), name).second)
                fail(where, "id '" + id.get<std::string>() + "' is in two splits");
        }
    }
    if (j.contains("held_out") && j["held_out"].is_array())
        for (const auto& id : j["held_out"])
            if (id.is_string()) s.held_out.push_back(id.get<std::string>());
    return s;
}

void split_parse_ratios(const std::string& text, split_options& o) {
    double v[3];
    size_t pos = 0;
    for (int k = 0; k < 3; k++) {
        const size_t comma = text.find(',', pos);
        if ((k < 2) != (comma != std::string::npos)) fail("--ratios " + text, "expected three numbers: train,valid,test");
        const std::string part = text.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
        try {
            size_t used = 0;
            v[k] = std::stod(part, &used);
            if (used != part.size()) throw std::invalid_argument(part);
        } catch (const std::exception&) {
            fail("--ratios " + text, "'" + part + "' is not a number");
        }
        if (v[k] < 0) fail("--ratios " + text, "fractions must be >= 0");
        pos = comma + 1;
    }
    if (v[0] + v[1] + v[2] <= 0) fail("--ratios " + text, "fractions sum to 0");
    o.train = v[0];
    o.valid = v[1];
    o.test = v[2];
}

}  // namespace clinote
