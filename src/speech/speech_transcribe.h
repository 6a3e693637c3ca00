// The transcription pipeline users run: a recording → a timed transcript, through the VAD
// chunker when it is longer than one window, with speaker labels when names are given.
// `clinote transcribe`, `clinote scribe`, `clinote eval-asr` and the server's audio route all
// call it, so the same recording gives the same transcript wherever it is run.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "audio/audio_read.h"
#include "speech/vad.h"
#include "speech/whisper_model.h"
#include "speech/whisper_transcribe.h"

namespace clinote {

// Whisper and the Silero VAD, loaded once for any number of recordings.
struct speech_engine {
    std::unique_ptr<whisper_model> whisper;
    std::optional<vad_model> vad;  // absent: 30 s sliding windows (openai-whisper's way)
};

// Whisper from whisper_dir (CTranslate2 or Hugging Face), and with use_vad the VAD weights
// at vad_default_model_path() when they are there.
speech_engine speech_engine_load(const std::string& whisper_dir, bool use_vad);

// n samples of 16 kHz mono → transcript; on_segments sees each window's segments as decoded.
whisper_transcript speech_transcribe(const speech_engine& e, const float* mono_16k, int64_t n,
                                     const whisper_transcribe_options& options,
                                     const whisper_segment_callback& on_segments = {});

// The same with each segment labelled by one of `speakers` (none given: no labels). A stereo
// recording (pcm, decoded before resampling) is labelled by its louder channel as segments
// come; a mono one by two-speaker clustering of its VAD speech stretches (speaker_clusters.h)
// once it is all transcribed, and then on_segments sees every segment once, at the end.
whisper_transcript speech_transcribe_speakers(const speech_engine& e, const audio_pcm& pcm,
                                              const std::vector<float>& mono_16k,
                                              const whisper_transcribe_options& options,
                                              const std::vector<std::string>& speakers,
                                              const whisper_segment_callback& on_segments = {});

}  // namespace clinote
