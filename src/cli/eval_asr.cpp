// clinote eval-asr: transcribes every recording of a test set with Whisper (or takes the
// transcripts a system already wrote) and scores them against the reference text: word error
// rate after Whisper's basic normalisation, its substitutions/deletions/insertions, the
// recall of drug and finding names, and the real-time factor.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include <nlohmann/json.hpp>

#include "audio/audio_read.h"
#include "cli/commands.h"
#include "cli/speech_options.h"
#include "core/error.h"
#include "core/file.h"
#include "core/utf8.h"
#include "eval/asr_metrics.h"
#include "speech/whisper_mel.h"

namespace clinote {

namespace {

struct eval_asr_options {
    speech_options speech;
    std::string manifest;
    std::string lexicon_dir = fact_lexicon_dir_default();
    bool json = false;
    std::string out;
    std::string transcripts_out;
};

struct asr_item {
    std::string id, audio, reference;
    std::optional<std::string> hypothesis;
};

std::string string_field(const nlohmann::json& j, const char* key, const std::string& where, bool required) {
    if (!j.contains(key)) {
        if (required) fail(where, std::string("missing \"") + key + "\"");
        return "";
    }
    if (!j[key].is_string()) fail(where, std::string("\"") + key + "\" must be a string");
    return j[key].get<std::string>();
}

// One JSON object a line: {"audio": path (relative to the manifest), "reference": text,
// optional "id", optional "hypothesis" (then nothing is transcribed)}.
std::vector<asr_item> manifest_read(const std::string& path) {
    const std::string text = file_read_text(path);
    utf8_require(text, path);
    const std::filesystem::path dir = std::filesystem::path(path).parent_path();
    std::vector<asr_item> items;
    std::istringstream lines(text);
    std::string line;
    for (int n = 1; std::getline(lines, line); ++n) {
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        const std::string where = path + ":" + std::to_string(n);
        nlohmann::json j;
        try {
            j = nlohmann::json::parse(line);
        } catch (const nlohmann::json::exception&) {
            fail(where, "not a JSON object");
        }
        if (!j.is_object()) fail(where, "not a JSON object");
        asr_item it;
        it.reference = string_field(j, "reference", where, true);
        it.id = string_field(j, "id", where, false);
        if (j.contains("hypothesis")) it.hypothesis = string_field(j, "hypothesis", where, true);
        else it.audio = (dir / string_field(j, "audio", where, true)).string();
        if (it.id.empty()) it.id = it.hypothesis ? "line " + std::to_string(n) : it.audio;
        items.push_back(std::move(it));
    }
    if (items.empty()) fail(path, "no test items");
    return items;
}

double percent(int64_t a, int64_t b) { return b > 0 ? 100.0 * double(a) / double(b) : 0.0; }

void run_eval_asr(const eval_asr_options& opt) {
    const std::vector<asr_item> items = manifest_read(opt.manifest);
    const fact_lexicons lex = fact_lexicons_load(opt.lexicon_dir);
    std::optional<speech_engine> engine;
    const whisper_transcribe_options options = speech_transcribe_options(opt.speech);
    for (const asr_item& it : items)
        if (!it.hypothesis && !engine) engine = speech_engine_load_for_cli(opt.speech);

    nlohmann::ordered_json report;
    report["items"] = nlohmann::ordered_json::array();
    asr_word_errors total;
    asr_term_recall terms;
    double audio_s = 0.0, compute_s = 0.0;
    std::ofstream transcripts;
    if (!opt.transcripts_out.empty()) {
        transcripts.open(opt.transcripts_out, std::ios::binary);
        if (!transcripts) fail(opt.transcripts_out, "cannot write");
    }
    if (!opt.json) std::printf("%-28s %7s %7s %7s %4s %4s %4s %5s %7s\n", "id", "audio_s", "rtf", "wer%", "S", "D", "I",
                               "words", "terms");
    for (const asr_item& it : items) {
        nlohmann::ordered_json j;
        j["id"] = it.id;
        std::string hypothesis;
        if (it.hypothesis) {
            hypothesis = *it.hypothesis;
        } else {
            const std::vector<float> audio = audio_read_mono_16k(it.audio);
            const auto t0 = std::chrono::steady_clock::now();
            hypothesis = speech_transcribe(*engine, audio.data(), int64_t(audio.size()), options).text;
            const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            const double duration = double(audio.size()) / whisper_sample_rate;
            audio_s += duration;
            compute_s += secs;
            j["audio_s"] = std::round(duration * 100.0) / 100.0;
            j["compute_s"] = std::round(secs * 100.0) / 100.0;
        }
        const asr_word_errors e =
            asr_align(asr_words(asr_normalize(it.reference)), asr_words(asr_normalize(hypothesis)));
        const asr_term_recall t = asr_terms(it.reference, hypothesis, lex);
        asr_add(total, e);
        terms.found += t.found;
        terms.total += t.total;
        terms.missed.insert(terms.missed.end(), t.missed.begin(), t.missed.end());
        j["hypothesis"] = hypothesis;
        j["wer"] = asr_wer(e);
        j["words"] = e.reference_words();
        j["substitutions"] = e.substitutions;
        j["deletions"] = e.deletions;
        j["insertions"] = e.insertions;
        j["terms_found"] = t.found;
        j["terms_total"] = t.total;
        j["terms_missed"] = t.missed;
        if (transcripts.is_open()) transcripts << nlohmann::json({{"id", it.id}, {"hypothesis", hypothesis}}).dump() << "\n";
        if (!opt.json) {
            const std::string rtf = j.contains("audio_s") ? std::to_string(j["compute_s"].get<double>() /
                                                                             std::max(j["audio_s"].get<double>(), 1e-9))
                                                          : "-";
            std::printf("%-28s %7s %7.7s %7.2f %4lld %4lld %4lld %5lld %3lld/%-3lld\n", it.id.substr(0, 28).c_str(),
                        j.contains("audio_s") ? std::to_string(j["audio_s"].get<double>()).substr(0, 6).c_str() : "-",
                        rtf.c_str(), 100.0 * asr_wer(e), (long long)e.substitutions, (long long)e.deletions,
                        (long long)e.insertions, (long long)e.reference_words(), (long long)t.found, (long long)t.total);
        }
        report["items"].push_back(std::move(j));
    }
    nlohmann::ordered_json s;
    s["wer"] = asr_wer(total);
    s["words"] = total.reference_words();
    s["substitutions"] = total.substitutions;
    s["deletions"] = total.deletions;
    s["insertions"] = total.insertions;
    s["term_recall"] = terms.total > 0 ? double(terms.found) / double(terms.total) : 1.0;
    s["terms_found"] = terms.found;
    s["terms_total"] = terms.total;
    s["terms_missed"] = terms.missed;
    if (compute_s > 0) {
        s["audio_s"] = audio_s;
        s["compute_s"] = compute_s;
        s["real_time_factor"] = compute_s / std::max(audio_s, 1e-9);
    }
    report["summary"] = s;

    std::string text;
    if (opt.json) {
        text = report.dump(2) + "\n";
    } else {
        char buf[512];
        std::snprintf(buf, sizeof buf,
                      "WER %.2f%% (%lld substitutions, %lld deletions, %lld insertions over %lld reference words); "
                      "medical terms %lld/%lld (%.1f%%)",
                      100.0 * asr_wer(total), (long long)total.substitutions, (long long)total.deletions,
                      (long long)total.insertions, (long long)total.reference_words(), (long long)terms.found,
                      (long long)terms.total, percent(terms.found, terms.total));
        text = buf;
        if (compute_s > 0) {
            std::snprintf(buf, sizeof buf, "; %.1f s of audio in %.1f s (real-time factor %.3f)", audio_s, compute_s,
                          compute_s / std::max(audio_s, 1e-9));
            text += buf;
        }
        text += "\n";
        if (!terms.missed.empty()) {
            text += "missed terms:";
            for (const std::string& m : terms.missed) text += " " + m;
            text += "\n";
        }
    }
    std::fwrite(text.data(), 1, text.size(), stdout);
    if (!opt.out.empty()) {
        std::ofstream out(opt.out, std::ios::binary);
        if (!(out << report.dump(2) << "\n")) fail(opt.out, "cannot write");
    }
}

}  // namespace

void add_eval_asr_command(CLI::App& app) {
    auto opt = std::make_shared<eval_asr_options>();
    CLI::App* cmd = app.add_subcommand(
        "eval-asr",
        "Score speech recognition on a test set: WER (Whisper's basic text normalisation), substitutions/deletions/"
        "insertions, medical-term recall and real-time factor");
    cmd->add_option("manifest", opt->manifest,
                    "JSONL test set, one object a line: \"audio\" (path relative to the manifest), \"reference\" (the "
                    "spoken text), optional \"id\", optional \"hypothesis\" (a transcript to score instead of running "
                    "Whisper)")
        ->required();
    add_speech_flags(cmd, opt->speech);
    cmd->add_option("--lexicon", opt->lexicon_dir,
                    "Folder with drugs.txt and findings.txt: the medical terms whose recall is measured")
        ->capture_default_str();
    cmd->add_flag("--json", opt->json, "Print the report as JSON (items and summary) instead of a table");
    cmd->add_option("-o,--out", opt->out, "Also write the JSON report to this file");
    cmd->add_option("--transcripts-out", opt->transcripts_out,
                    "Write each item's transcript as JSONL {\"id\", \"hypothesis\"} (a manifest for re-scoring)");
    cmd->callback([opt] { run_eval_asr(*opt); });
}

}  // namespace clinote
