// clinote scribe: a recording → a note in one command. Whisper writes the transcript (kept
// in --transcript-out when asked), which becomes the same note_request `clinote note` makes
// (scribe/note_write.h) with this command's few note flags and `note`'s defaults for the rest.
#include <cstdio>
#include <fstream>

#include "cli/commands.h"
#include "cli/model_options.h"
#include "cli/note_print.h"
#include "cli/speech_options.h"
#include "core/error.h"

namespace clinote {

namespace {

struct scribe_options {
    speech_options speech;
    std::string audio_path;
    std::string transcript_out;
    model_options model;  // only --model is a flag here; the rest as `clinote note` defaults them
    std::string template_name = "soap";
    bool json = false;
    std::string out;
    int64_t max_tokens = 0;
};

void run_scribe(const scribe_options& opt) {
    note_request r;
    r.tmpl = template_find(opt.template_name);  // a wrong name fails before the transcription
    const whisper_transcript t = speech_transcribe_file(opt.audio_path, opt.speech);
    if (t.text.empty()) fail(opt.audio_path, "no speech was recognised");
    // "Doctor: ..." lines with --speakers, else unlabelled lines.
    for (const whisper_segment& s : t.segments) r.transcript += whisper_segment_line(s) + "\n";
    r.source = opt.transcript_out.empty() ? opt.audio_path + " (transcript)" : opt.transcript_out;
    if (!opt.transcript_out.empty()) {
        std::ofstream f(opt.transcript_out, std::ios::binary);
        if (!(f << r.transcript)) fail(opt.transcript_out, "cannot write");
    }
    std::fprintf(stderr, "clinote: transcript (%zu segments)%s%s\n", t.segments.size(),
                 opt.transcript_out.empty() ? "" : " written to ", opt.transcript_out.c_str());
    r.json = opt.json;
    r.n_ctx = opt.model.n_ctx;
    if (opt.max_tokens > 0) r.params.max_tokens = int(opt.max_tokens);
    auto m = load_model_for_cli(opt.model);
    const auto adapter = load_adapter_for_cli(opt.model, *m);
    note_print(*m, adapter.get(), r, opt.out);
}

}  // namespace

void add_scribe_command(CLI::App& app) {
    auto opt = std::make_shared<scribe_options>();
    opt->model.model_path = default_model_path();
    CLI::App* cmd = app.add_subcommand(
        "scribe", "From a recording to a note: transcribe with Whisper, then write the note as `clinote note` does");
    cmd->add_option("audio", opt->audio_path, "The recording of the visit (WAV, FLAC, Ogg, MP3)")->required();
    add_speech_flags(cmd, opt->speech);
    cmd->add_option("--transcript-out", opt->transcript_out, "Keep the transcript in this file (one segment a line)");
    cmd->add_option("-m,--model", opt->model.model_path, "Language model for the note (as `clinote note --model`; "
                                                         "default: the default model)")
        ->transform(model_name_or_path());
    cmd->add_option("--template", opt->template_name, "Note template (as `clinote note --template`)")->capture_default_str();
    cmd->add_flag("--json", opt->json, "Write a ClinicalSummary JSON instead (as `clinote note --json`)");
    cmd->add_option("-o,--out", opt->out, "Also write the note to this file");
    cmd->add_option("--max-tokens", opt->max_tokens, "Most tokens of the note (as `clinote note --max-tokens`)")
        ->check(CLI::NonNegativeNumber);
    cmd->callback([opt] { run_scribe(*opt); });
}

}  // namespace clinote
