#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "core/error.h"
#include "data/import.h"
#include "data/split.h"
#include "test_util.h"

using namespace clinote;

namespace {

// MTS-Dialog (section-level) plus ACI-Bench with its ASR variants (several encounters per
// conversation group): the cases where leakage could happen.
std::vector<encounter> real_encounters() {
    std::vector<encounter> all;
    for (const char* rel : {"mts-dialog/train.csv", "mts-dialog/valid.csv", "aci-bench/train.csv",
                            "aci-bench/valid.csv", "aci-bench/train_aci_asrcorr.csv", "aci-bench/valid_aci_asr.csv",
                            "aci-bench/valid_virtscribe_humantrans.csv"}) {
        import_report r;
        auto encs = import_any(shared_data(rel), "auto", {}, r);
        all.insert(all.end(), encs.begin(), encs.end());
    }
    return all;
}

}  // namespace

TEST(Split, EveryEncounterOnceAndGroupsNeverSeparated) {
    REQUIRE_SHARED_DATA();
    const auto encs = real_encounters();
    const split_result s = split_encounters(encs, {});
    ASSERT_EQ(s.split_of.size(), encs.size());
    std::map<std::string, std::set<std::string>> splits_of_group;
    for (const auto& e : encs) splits_of_group[e.group].insert(s.split_of.at(e.id));
    size_t multi = 0;
    for (const auto& [g, splits] : splits_of_group) EXPECT_EQ(splits.size(), 1u) << g;
    for (const auto& e : encs) multi += e.id != e.group;
    EXPECT_GT(multi, 0u);  // the ASR variants really share groups with the main files

    // splits.json lists each id in exactly one split
    const auto j = split_to_json(s, {});
    std::set<std::string> seen;
    for (const char* name : {"train", "valid", "test"})
        for (const auto& id : j[name]) EXPECT_TRUE(seen.insert(id.get<std::string>()).second) << id;
    EXPECT_EQ(seen.size(), encs.size());
    EXPECT_EQ(split_from_json(j, "splits.json").split_of, s.split_of);
}

TEST(Split, SameSeedSameSplitWhateverTheInputOrder) {
    REQUIRE_SHARED_DATA();
    auto encs = real_encounters();
    split_options o;
    o.seed = 7;
    const auto a = split_encounters(encs, o);
    std::reverse(encs.begin(), encs.end());
    const auto b = split_encounters(encs, o);
    EXPECT_EQ(a.split_of, b.split_of);
    o.seed = 8;
    EXPECT_NE(split_encounters(encs, o).split_of, a.split_of);
}

TEST(Split, RatiosHoldPerStratum) {
    REQUIRE_SHARED_DATA();
    const auto encs = real_encounters();
    const auto s = split_encounters(encs, {});
    // Per stratum (target section, or full note), groups split ~80/10/10.
    std::map<std::string, std::map<std::string, std::set<std::string>>> groups;  // stratum -> split -> groups
    for (const auto& e : encs) {
        const std::string stratum = encounter_is_section_level(e) ? e.sections[0].key : "note";
        groups[stratum][s.split_of.at(e.id)].insert(e.group);
    }
    for (const auto& [stratum, by_split] : groups) {
        size_t n = 0;
        for (const auto& [_, g] : by_split) n += g.size();
        const double train = by_split.count("train") ? double(by_split.at("train").size()) : 0.0;
        EXPECT_NEAR(train / double(n), 0.8, 0.5 / double(n) + 1e-9) << stratum;
    }
    EXPECT_GE(groups["family_social_history"]["test"].size(), 30u);
}

TEST(Split, HeldOutConceptNeverInTrainOrValid) {
    REQUIRE_SHARED_DATA();
    const auto encs = real_encounters();
    split_options o;
    o.holdout_concepts = {"metformin", "Atrial Fibrillation"};
    const auto s = split_encounters(encs, o);
    size_t mentions = 0;
    std::set<std::string> held_groups;
    for (const auto& e : encs) {
        const std::string text = encounter_transcript(e) + "\n" + encounter_reference(e);
        if (text_mentions(text, "metformin") || text_mentions(text, "atrial fibrillation")) {
            mentions++;
            held_groups.insert(e.group);
        }
    }
    EXPECT_GT(mentions, 5u);
    for (const auto& e : encs) {
        if (held_groups.count(e.group)) {
            EXPECT_EQ(s.split_of.at(e.id), "test") << e.id;
        }
    }
    EXPECT_GE(s.held_out.size(), mentions);
}

TEST(Split, ConceptMatchingIsWholeWord) {
    EXPECT_TRUE(text_mentions("Takes Metformin daily", "metformin"));
    EXPECT_TRUE(text_mentions("metformin.", "metformin"));
    EXPECT_FALSE(text_mentions("metformins", "metformin"));
    EXPECT_FALSE(text_mentions("premetformin", "metformin"));
    EXPECT_TRUE(text_mentions("history of atrial fibrillation", "Atrial Fibrillation"));
    EXPECT_FALSE(text_mentions("anything", ""));
}

TEST(Split, RatioParsingErrors) {
    split_options o;
    split_parse_ratios("0.7,0.2,0.1", o);
    EXPECT_DOUBLE_EQ(o.valid, 0.2);
    EXPECT_THROW(split_parse_ratios("0.7,0.3", o), error);
    EXPECT_THROW(split_parse_ratios("a,b,c", o), error);
    EXPECT_THROW(split_parse_ratios("0.5,-0.1,0.6", o), error);
    EXPECT_THROW(split_parse_ratios("0,0,0", o), error);
}
