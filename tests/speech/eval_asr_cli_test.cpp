// clinote eval-asr end to end (the binary beside the tests): scoring given transcripts against
// hand-counted answers, bad manifests, and a dictation spoken by espeak-ng transcribed by the
// real Whisper base (Slow: needs models/whisper-base and espeak-ng).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "../clinote_cli.h"
#include "core/file.h"
#include "core/paths.h"

using namespace clinote;
namespace fs = std::filesystem;

namespace {

struct temp_dir {
    fs::path path = fs::temp_directory_path() / ("clinote_eval_asr_" + std::to_string(::getpid()));
    temp_dir() { fs::create_directories(path); }
    ~temp_dir() { fs::remove_all(path); }
    std::string write(const std::string& name, const std::string& text) const {
        std::ofstream(path / name, std::ios::binary) << text;
        return (path / name).string();
    }
};

// Runs clinote with args; returns its exit status, stdout in out and stderr in err.
int run_clinote(const std::string& args, const temp_dir&, std::string& out, std::string& err) {
    test::cli_result r = test::clinote_cli(args);
    out = std::move(r.out);
    err = std::move(r.err);
    return r.status;
}

}  // namespace

TEST(EvalAsrCli, ScoresGivenTranscripts) {
    if (!fs::exists(test::clinote_binary())) GTEST_SKIP() << "the clinote binary is not built beside the tests";
    temp_dir d;
    // 1: ref [i take metformin twice a day] (6), hyp [i take met for men twice a day]: 1 S + 2 I,
    //    metformin missed. 2: ref [any chest pain or nausea] (5), hyp [any chest pain nausea]:
    //    1 D, both findings (chest pain, nausea) found. Total 4 errors / 11 words, terms 2/3.
    const std::string manifest = d.write("set.jsonl",
                                         R"({"id": "a", "reference": "I take metformin twice a day.", "hypothesis": "I take met for men, twice a day"})"
                                         "\n\n"
                                         R"({"id": "b", "reference": "Any chest pain or nausea?", "hypothesis": "any chest pain nausea"})"
                                         "\n");
    std::string out, err;
    ASSERT_EQ(run_clinote("eval-asr " + manifest + " --json", d, out, err), 0) << err;
    const nlohmann::json r = nlohmann::json::parse(out);
    ASSERT_EQ(r["items"].size(), 2u);
    EXPECT_EQ(r["items"][0]["substitutions"], 1);
    EXPECT_EQ(r["items"][0]["insertions"], 2);
    EXPECT_DOUBLE_EQ(r["items"][0]["wer"].get<double>(), 0.5);
    EXPECT_EQ(r["items"][0]["terms_missed"], nlohmann::json::array({"metformin"}));
    EXPECT_EQ(r["items"][1]["deletions"], 1);
    EXPECT_EQ(r["summary"]["words"], 11);
    EXPECT_DOUBLE_EQ(r["summary"]["wer"].get<double>(), 4.0 / 11.0);
    EXPECT_EQ(r["summary"]["terms_found"], 2);
    EXPECT_EQ(r["summary"]["terms_total"], 3);
    EXPECT_FALSE(r["summary"].contains("real_time_factor"));  // nothing was transcribed

    // The table form ends with the totals line.
    ASSERT_EQ(run_clinote("eval-asr " + manifest, d, out, err), 0) << err;
    EXPECT_NE(out.find("WER 36.36% (1 substitutions, 1 deletions, 2 insertions over 11 reference words); "
                       "medical terms 2/3 (66.7%)"),
              std::string::npos)
        << out;
}

TEST(EvalAsrCli, BadManifestsNameTheLine) {
    if (!fs::exists(test::clinote_binary())) GTEST_SKIP() << "the clinote binary is not built beside the tests";
    temp_dir d;
    std::string out, err;
    const std::string no_ref = d.write("a.jsonl", R"({"audio": "x.wav", "reference": "fine"})" "\n" R"({"audio": "y.wav"})" "\n");
    EXPECT_EQ(run_clinote("eval-asr " + no_ref, d, out, err), 1);
    EXPECT_NE(err.find(no_ref + ":2: missing \"reference\""), std::string::npos) << err;
    const std::string not_json = d.write("b.jsonl", "audio,reference\n");
    EXPECT_EQ(run_clinote("eval-asr " + not_json, d, out, err), 1);
    EXPECT_NE(err.find(not_json + ":1: not a JSON object"), std::string::npos) << err;
    const std::string empty = d.write("c.jsonl", "\n");
    EXPECT_EQ(run_clinote("eval-asr " + empty, d, out, err), 1);
    EXPECT_NE(err.find(empty + ": no test items"), std::string::npos) << err;
}

TEST(EvalAsrCli, EspeakDictationThroughWhisperBaseSlow) {
    if (!fs::exists(test::clinote_binary())) GTEST_SKIP() << "the clinote binary is not built beside the tests";
    if (!fs::exists(source_dir() + "/models/whisper-base/model.bin"))
        GTEST_SKIP() << "models/whisper-base is absent (run scripts/setup.sh)";
    if (std::system("command -v espeak-ng >/dev/null 2>&1") != 0)
        GTEST_SKIP() << "espeak-ng is absent (scripts/setup.d/asr.sh installs it)";
    temp_dir d;
    const std::string doctor = "Do you take any medicines for your blood pressure?";
    const std::string patient = "Yes, I take lisinopril every morning, and ibuprofen when my knee hurts.";
    for (const auto& [name, voice, text] : {std::tuple{"doctor.wav", "en-us+m3", doctor}, {"patient.wav", "en-gb+f3", patient}})
        ASSERT_EQ(std::system(("espeak-ng -v " + std::string(voice) + " -s 160 -w " + (d.path / name).string() + " '" +
                               text + "'")
                                  .c_str()),
                  0);
    const std::string manifest =
        d.write("set.jsonl", nlohmann::json({{"audio", "doctor.wav"}, {"reference", doctor}}).dump() + "\n" +
                                 nlohmann::json({{"audio", "patient.wav"}, {"reference", patient}}).dump() + "\n");
    auto eval_asr = [&](const std::string& flags) {
        std::string out, err;
        EXPECT_EQ(run_clinote("eval-asr " + manifest + " --json --beam 1" + flags, d, out, err), 0) << err;
        const nlohmann::json r = nlohmann::json::parse(out);
        std::printf("%s%s\n", flags.c_str(), r["summary"].dump().c_str());
        for (const auto& it : r["items"]) std::printf("  %s\n", it["hypothesis"].get<std::string>().c_str());
        return r["summary"];
    };
    // Whisper base alone mishears espeak-ng's drug names (measured: "this in April",
    // "a pro fan", WER 0.43); the initial prompt with the clinic's vocabulary is what fixes
    // them (measured: both terms, WER 1/21 — the leading "Yes" is dropped).
    const nlohmann::json plain = eval_asr("");
    const nlohmann::json prompted = eval_asr(" --prompt 'Medications: lisinopril, ibuprofen, metformin, atorvastatin.'");
    EXPECT_EQ(plain["terms_total"], 2);  // lisinopril, ibuprofen
    EXPECT_EQ(prompted["terms_found"], 2);
    EXPECT_LE(prompted["wer"].get<double>(), 2.0 / 21);
    EXPECT_LT(prompted["wer"].get<double>(), plain["wer"].get<double>());
    EXPECT_GT(prompted["real_time_factor"].get<double>(), 0.0);
}
