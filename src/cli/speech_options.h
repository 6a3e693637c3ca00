// Flags, and the transcription run with its stderr reports, shared by `clinote transcribe` and `clinote scribe`, so each
// flag means the same in both.
#pragma once
#include <CLI/CLI.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "speech/speech_transcribe.h"

namespace clinote {

struct speech_options {
    std::string model_path;  // Whisper: CTranslate2 or Hugging Face directory
    std::string language = "en";
    bool translate = false;
    bool timestamps = true;
    int beam = 5;
    std::string prompt;
    bool fallback = true;
    bool vad = true;
    int threads = 0;
    std::vector<std::string> speakers;  // names by channel (stereo) or by who speaks first (mono); empty: no labels
};

void add_speech_flags(CLI::App* cmd, speech_options& opt);

// whisper-base in the models folder (core/paths.h models_dir), where setup installs it.
std::string default_whisper_path();

// Loads Whisper and (with --vad, when its weights are there) the VAD, reporting both on stderr.
speech_engine speech_engine_load_for_cli(const speech_options& opt);

// The decoding options the flags ask for.
whisper_transcribe_options speech_transcribe_options(const speech_options& opt);

// Reads the recording, loads Whisper, transcribes (speech_transcribe_speakers, with
// opt.speakers) and reports the speed on stderr.
whisper_transcript speech_transcribe_file(const std::string& audio_path, const speech_options& opt,
                                          const whisper_segment_callback& on_segments = {});

}  // namespace clinote
