// Transcribing a recording of any length, as openai-whisper's transcribe(): 30 s windows
// moved forward by the last timestamp the model wrote ("seek"), each decoded with temperature
// fallback when the text is too repetitive (compression ratio) or unlikely (average
// log-probability), silent windows skipped (no-speech probability), the previous windows'
// text as the prompt, and an initial prompt (e.g. medical vocabulary).
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "speech/whisper_decoding.h"

namespace clinote {

struct whisper_transcribe_options {
    whisper_decoding_options decoding;
    std::vector<float> temperatures = {0.0f, 0.2f, 0.4f, 0.6f, 0.8f, 1.0f};
    float compression_ratio_threshold = 2.4f;  // <= 0: off
    float logprob_threshold = -1.0f;           // NaN: off
    float no_speech_threshold = 0.6f;          // NaN: off
    bool condition_on_previous_text = true;
    std::string initial_prompt;
};

struct whisper_segment {
    double start = 0.0, end = 0.0;  // seconds from the start of the recording
    std::string text;
    std::vector<int32_t> tokens;
    float avg_logprob = 0.0f, no_speech_prob = 0.0f, temperature = 0.0f, compression_ratio = 0.0f;
    std::string speaker;  // empty unless labelled (speaker_channels)
};

struct whisper_transcript {
    std::string language;
    std::vector<whisper_segment> segments;
    std::string text;  // the segments' text joined
};

// The segment's text without Whisper's leading space.
std::string whisper_segment_text(const whisper_segment& s);
// That text after "Speaker: " when the segment is labelled: one transcript line as
// `clinote note` reads it (an unlabelled line is one turn of an unnamed speaker).
std::string whisper_segment_line(const whisper_segment& s);

// Called after each window with the segments it produced (for streaming output).
using whisper_segment_callback = std::function<void(const std::vector<whisper_segment>&)>;

// samples: 16 kHz mono. offset_s shifts every timestamp (a chunk cut from a longer recording).
whisper_transcript whisper_transcribe(const whisper_model& m, const float* samples, int64_t n,
                                      const whisper_transcribe_options& opt,
                                      const whisper_segment_callback& on_segments = {}, double offset_s = 0.0);

// One window with openai-whisper's decode_with_fallback: temperatures in turn until the
// result passes the compression-ratio and log-probability checks (or is silence).
whisper_decoding_result whisper_decode_with_fallback(const whisper_model& m, const whisper_cross_kv& cross,
                                                     const std::vector<int32_t>& prompt,
                                                     const whisper_transcribe_options& opt);

}  // namespace clinote
