// Whisper's input features: the log-mel spectrogram exactly as OpenAI's
// whisper.audio.log_mel_spectrogram(audio, n_mels, padding=N_SAMPLES) computes it.
#pragma once
#include <cstdint>
#include <vector>

namespace clinote {

constexpr int whisper_sample_rate = 16000;
constexpr int whisper_n_fft = 400;             // 25 ms window
constexpr int whisper_hop_length = 160;        // 10 ms: 100 frames a second
constexpr int64_t whisper_chunk_samples = 480000;  // 30 s, the encoder's window
constexpr int64_t whisper_chunk_frames = whisper_chunk_samples / whisper_hop_length;  // 3000

struct mel_spectrogram {
    int n_mels = 0;
    int64_t n_frames = 0;
    std::vector<float> data;  // [n_mels, n_frames], row-major
};

// 16 kHz mono samples → log-mel features. As in OpenAI's code, 30 s of silence is appended
// before the STFT (reflect-padded by n_fft/2 at both ends, periodic Hann window, power
// spectrum, slaney-normalised slaney mel filters as librosa makes them, the last frame
// dropped), so n_frames = (n + 480000) / 160 and the first 3000 frames are the encoder
// input for a clip up to 30 s long. Then log10 (floored at 1e-10), clamped to (max - 8)
// where max is over the whole spectrogram, and mapped by (x + 4) / 4.
// n_mels: 80 (Whisper tiny to large-v2) or 128 (large-v3); any positive count is computed
// by the same slaney formula. Throws clinote::error for n_mels < 1 or n < 0.
mel_spectrogram whisper_log_mel(const float* samples, int64_t n, int n_mels);

// The slaney mel filter bank [n_mels, n_fft/2 + 1] for 16 kHz (librosa.filters.mel with
// sr=16000, n_fft=400: Whisper's mel_filters.npz).
std::vector<float> whisper_mel_filters(int n_mels);

}  // namespace clinote
