// Flags and the transcription run shared by `clinote transcribe` and `clinote scribe`, so each
// flag means the same in both.
#pragma once
#include <CLI/CLI.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "speech/vad.h"
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
    std::vector<std::string> speakers;  // names by channel (stereo) or by who speaks first (mono); empty: no labels
};

void add_speech_flags(CLI::App* cmd, speech_options& opt);

// whisper-base in the models folder (core/paths.h models_dir), where setup installs it.
std::string default_whisper_path();

// Whisper, the VAD weights (when --vad and they exist) and the decoding options, loaded once
// for any number of recordings.
struct speech_engine {
    std::unique_ptr<whisper_model> whisper;
    std::optional<vad_model> vad;
    whisper_transcribe_options options;
};

speech_engine speech_engine_load(const speech_options& opt);

// 16 kHz mono samples → transcript (through the VAD chunker when longer than one window).
whisper_transcript speech_transcribe(const speech_engine& e, const std::vector<float>& audio,
                                     const whisper_segment_callback& on_segments = {});

// Reads the recording, loads Whisper, transcribes and reports the speed on stderr.
// on_segments sees each window's segments as they are decoded. With opt.speakers, a stereo
// recording's segments are labelled by the louder channel; a mono recording's by two-speaker
// clustering of its VAD speech stretches (speaker_clusters.h), and then on_segments sees all
// of them once, at the end.
whisper_transcript speech_transcribe_file(const std::string& audio_path, const speech_options& opt,
                                          const whisper_segment_callback& on_segments = {});

}  // namespace clinote
