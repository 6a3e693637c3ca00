// Flags and the transcription run shared by `clinote transcribe` and `clinote scribe`, so each
// flag means the same in both.
#pragma once
#include <CLI/CLI.hpp>
#include <string>

#include "speech/whisper_transcribe.h"

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
};

void add_speech_flags(CLI::App* cmd, speech_options& opt);

// models/whisper-base, as setup installs it: ./models/... or the source tree's models/.
std::string default_whisper_path();

// Reads the recording, loads Whisper, transcribes (through the VAD chunker when the recording
// is longer than one window and the VAD weights exist) and reports the speed on stderr.
// on_segments sees each window's segments as they are decoded.
whisper_transcript speech_transcribe_file(const std::string& audio_path, const speech_options& opt,
                                          const whisper_segment_callback& on_segments = {});

}  // namespace clinote
