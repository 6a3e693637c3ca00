// clinote transcribe: a recording → a timed transcript (Whisper), as text or JSON.
#include <cmath>
#include <cstdio>
#include <fstream>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/speech_options.h"
#include "core/error.h"

namespace clinote {

namespace {

struct transcribe_options {
    speech_options speech;
    std::string audio_path;
    bool json = false;
    std::string out;
};

// [mm:ss.mmm], or [h:mm:ss.mmm] past an hour, as whisper's format_timestamp.
std::string format_time(double s) {
    const int64_t ms = int64_t(s * 1000.0 + 0.5);
    const int64_t h = ms / 3600000, m = ms / 60000 % 60, sec = ms / 1000 % 60, frac = ms % 1000;
    char buf[32];
    if (h > 0) std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld.%03lld", (long long)h, (long long)m, (long long)sec, (long long)frac);
    else std::snprintf(buf, sizeof buf, "%02lld:%02lld.%03lld", (long long)m, (long long)sec, (long long)frac);
    return buf;
}

std::string segment_line(const whisper_segment& s, bool timestamps) {
    if (!timestamps) return whisper_segment_line(s) + "\n";
    return "[" + format_time(s.start) + " --> " + format_time(s.end) + "]  " + whisper_segment_line(s) + "\n";
}

void run_transcribe(const transcribe_options& opt) {
    std::string result;
    // Text output streams: each window's segments are printed as soon as they are decoded.
    const whisper_transcript t = speech_transcribe_file(opt.audio_path, opt.speech, [&](const std::vector<whisper_segment>& segs) {
        if (opt.json) return;
        for (const whisper_segment& s : segs) {
            const std::string line = segment_line(s, opt.speech.timestamps);
            std::fwrite(line.data(), 1, line.size(), stdout);
            result += line;
        }
        std::fflush(stdout);
    });
    if (opt.json) {
        nlohmann::ordered_json j;
        j["text"] = t.text;
        j["language"] = t.language;
        j["segments"] = nlohmann::ordered_json::array();
        for (const whisper_segment& s : t.segments) {
            nlohmann::ordered_json seg = {{"start", std::round(s.start * 1000.0) / 1000.0},
                                          {"end", std::round(s.end * 1000.0) / 1000.0}};
            if (!s.speaker.empty()) seg["speaker"] = s.speaker;
            seg["text"] = whisper_segment_text(s);
            seg["avg_logprob"] = s.avg_logprob;
            seg["no_speech_prob"] = s.no_speech_prob;
            seg["temperature"] = s.temperature;
            j["segments"].push_back(std::move(seg));
        }
        result = j.dump(2) + "\n";
        std::fwrite(result.data(), 1, result.size(), stdout);
    }
    if (!opt.out.empty()) {
        std::ofstream out(opt.out, std::ios::binary);
        if (!(out << result)) fail(opt.out, "cannot write");
    }
}

}  // namespace

void add_transcribe_command(CLI::App& app) {
    auto opt = std::make_shared<transcribe_options>();
    CLI::App* cmd = app.add_subcommand(
        "transcribe", "Transcribe a recording (WAV, FLAC, Ogg, MP3; any rate) with Whisper: a timed transcript");
    cmd->add_option("audio", opt->audio_path, "The recording")->required();
    add_speech_flags(cmd, opt->speech);
    cmd->add_flag("--json", opt->json,
                  "Print JSON: text, language and segments (start, end in seconds, speaker with --speakers, text, "
                  "avg_logprob, no_speech_prob, temperature)");
    cmd->add_option("-o,--out", opt->out, "Also write the output to this file");
    cmd->callback([opt] { run_transcribe(*opt); });
}

}  // namespace clinote
