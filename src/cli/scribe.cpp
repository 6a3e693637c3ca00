// clinote scribe: a recording → a note in one command. Whisper writes the transcript (saved
// beside the note, or to a temporary file), then the `note` subcommand itself runs on it,
// so the note is made exactly as `clinote note TRANSCRIPT` makes it (same prompt builder,
// long-visit handling, flags): nothing of the note path is repeated here.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "cli/commands.h"
#include "cli/speech_options.h"
#include "core/error.h"

namespace clinote {

namespace {

struct scribe_options {
    speech_options speech;
    std::string audio_path;
    std::string transcript_out;
    std::string model_path;
    std::string template_name = "soap";
    bool json = false;
    std::string out;
    int64_t max_tokens = 0;
};

void run_scribe(CLI::App& note_cmd, const scribe_options& opt) {
    const whisper_transcript t = speech_transcribe_file(opt.audio_path, opt.speech);
    if (t.text.empty()) fail(opt.audio_path, "no speech was recognised");
    namespace fs = std::filesystem;
    const bool keep = !opt.transcript_out.empty();
    const std::string path = keep ? opt.transcript_out
                                  : (fs::temp_directory_path() / ("clinote_scribe_" + std::to_string(::getpid()) + ".txt")).string();
    {
        // "Doctor: ..." lines with --speakers, else unlabelled lines.
        std::ofstream f(path, std::ios::binary);
        for (const whisper_segment& s : t.segments) f << whisper_segment_line(s) << "\n";
        if (!f) fail(path, "cannot write");
    }
    std::fprintf(stderr, "clinote: transcript (%zu segments)%s%s\n", t.segments.size(), keep ? " written to " : "",
                 keep ? path.c_str() : "");
    std::vector<std::string> args = {path, "--template", opt.template_name};
    if (!opt.model_path.empty()) args.insert(args.end(), {"--model", opt.model_path});
    if (opt.json) args.push_back("--json");
    if (!opt.out.empty()) args.insert(args.end(), {"--out", opt.out});
    if (opt.max_tokens > 0) args.insert(args.end(), {"--max-tokens", std::to_string(opt.max_tokens)});
    std::reverse(args.begin(), args.end());  // CLI11 takes the arguments last-first
    try {
        note_cmd.parse(args);
    } catch (...) {
        if (!keep) fs::remove(path);
        throw;
    }
    if (!keep) fs::remove(path);
}

}  // namespace

void add_scribe_command(CLI::App& app) {
    CLI::App* note_cmd = app.get_subcommand("note");  // registered before this command
    auto opt = std::make_shared<scribe_options>();
    CLI::App* cmd = app.add_subcommand(
        "scribe", "From a recording to a note: transcribe with Whisper, then write the note as `clinote note` does");
    cmd->add_option("audio", opt->audio_path, "The recording of the visit (WAV, FLAC, Ogg, MP3)")->required();
    add_speech_flags(cmd, opt->speech);
    cmd->add_option("--transcript-out", opt->transcript_out, "Keep the transcript in this file (one segment a line)");
    cmd->add_option("-m,--model", opt->model_path, "Language model for the note (as `clinote note --model`; "
                                                   "default: the default model)");
    cmd->add_option("--template", opt->template_name, "Note template (as `clinote note --template`)")->capture_default_str();
    cmd->add_flag("--json", opt->json, "Write a ClinicalSummary JSON instead (as `clinote note --json`)");
    cmd->add_option("-o,--out", opt->out, "Also write the note to this file");
    cmd->add_option("--max-tokens", opt->max_tokens, "Most tokens of the note (as `clinote note --max-tokens`)")
        ->check(CLI::NonNegativeNumber);
    cmd->callback([note_cmd, opt] { run_scribe(*note_cmd, *opt); });
}

}  // namespace clinote
