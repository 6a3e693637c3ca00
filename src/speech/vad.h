// Silero VAD (16 kHz) in clinote's engine: the probability that each 32 ms frame of 512
// samples holds speech, from the weights in silero_vad_16k.safetensors (the silero-vad
// wheel ships that file; `clinote models pull silero-vad` puts it in models/silero-vad/).
#pragma once
#include <array>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace clinote {

constexpr int vad_frame_samples = 512;   // 32 ms at 16 kHz
constexpr int vad_context_samples = 64;  // the tail of the previous frame each frame also sees
constexpr int vad_hidden = 128;

struct vad_conv {
    int in = 0, out = 0, stride = 1;  // kernel 3, padding 1
    std::vector<float> weight;        // [out, in * 3]
    std::vector<float> bias;          // [out]
};

struct vad_model {
    std::vector<float> stft;  // [258, 256]: real then imaginary DFT rows of a 256-point window
    std::array<vad_conv, 4> encoder;
    std::vector<float> lstm_w_ih, lstm_w_hh;  // [4 · 128, 128], gates i, f, g, o
    std::vector<float> lstm_b;                // b_ih + b_hh
    std::vector<float> out_w;                 // [128]
    float out_b = 0;
};

// Throws clinote::error naming the file and the tensor for a missing tensor or wrong shape.
vad_model vad_load(const std::string& path);

// models/silero-vad/silero_vad_16k.safetensors in the repository when setup has fetched it,
// else the shared copy (../shared/models/silero-vad/); throws when neither exists.
std::string vad_default_model_path();

// What carries from one frame to the next: the LSTM state and the last 64 samples.
struct vad_state {
    std::array<float, vad_hidden> h{}, c{};
    std::array<float, vad_context_samples> context{};
};

// One frame of exactly 512 samples (a stream's last partial frame: zero-padded by the caller).
float vad_frame_probability(const vad_model& model, vad_state& state, const float* frame);

// Every frame of a recording from a fresh state, the last one zero-padded: ceil(n / 512) values.
std::vector<float> vad_probabilities(const vad_model& model, const float* samples, int64_t n);

// Speech segments from frame probabilities, as silero-vad's get_speech_timestamps computes
// them (same parameters and defaults; 16 kHz, sample positions).
struct vad_options {
    double threshold = 0.5;                    // a frame at or above this starts speech
    std::optional<double> neg_threshold;       // below this speech ends; default max(threshold - 0.15, 0.01)
    int min_speech_ms = 250;                   // shorter segments are dropped
    double max_speech_s = std::numeric_limits<double>::infinity();  // longer segments are split (at the longest silence in them)
    int min_silence_ms = 100;                  // silence needed to end a segment
    int speech_pad_ms = 30;                    // added at both ends (halved between close segments)
    int min_silence_at_max_speech_ms = 98;     // silences this long are split candidates
    bool use_max_possible_silence = true;      // split at the longest candidate, else the last
};

struct speech_segment {
    int64_t start = 0, end = 0;  // samples, end exclusive
};

std::vector<speech_segment> vad_speech_segments(const std::vector<float>& probs, int64_t n_samples,
                                                const vad_options& options = {});

}  // namespace clinote
