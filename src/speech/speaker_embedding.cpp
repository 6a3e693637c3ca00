#include "speech/speaker_embedding.h"

#include <algorithm>
#include <cmath>

namespace clinote {

mel_spectrogram speaker_embedding_mel(const float* samples, int64_t n) {
    return whisper_log_mel(samples, n, speaker_embedding_mels);
}

voice_stats speaker_embedding(const mel_spectrogram& mel, int64_t frame_begin, int64_t frame_end) {
    constexpr int bands = speaker_embedding_mels;
    voice_stats out;
    // whisper_log_mel appends 30 s of silence: the recording's own frames end 3000 before.
    const int64_t frames = std::max<int64_t>(0, mel.n_frames - whisper_chunk_frames);
    const int64_t b = std::clamp<int64_t>(frame_begin, 0, frames), e = std::clamp<int64_t>(frame_end, b, frames);
    auto at = [&](int m, int64_t f) { return mel.data[size_t(m * mel.n_frames + f)]; };
    // Whisper's scale is log10(power) / 4: 40 dB below the loudest frame is 1.0 below.
    float loudest = -1e30f;
    for (int64_t f = b; f < e; ++f)
        for (int m = 0; m < bands; ++m) loudest = std::max(loudest, at(m, f));
    for (int64_t f = b; f < e; ++f) {
        float frame_max = -1e30f;
        for (int m = 0; m < bands; ++m) frame_max = std::max(frame_max, at(m, f));
        if (frame_max < loudest - 1.0f) continue;
        out.frames += 1.0;
        // DCT-II (orthonormal) of the frame's log-mel bands, coefficients 1..19.
        for (int k = 1; k <= speaker_embedding_size; ++k) {
            double c = 0.0;
            for (int m = 0; m < bands; ++m) c += at(m, f) * std::cos(M_PI * k * (m + 0.5) / bands);
            c *= std::sqrt(2.0 / bands);
            out.sum[size_t(k - 1)] += c;
            out.sum2[size_t(k - 1)] += c * c;
        }
    }
    return out;
}

voice_stats voice_stats_add(const voice_stats& a, const voice_stats& b) {
    voice_stats s = a;
    s.frames += b.frames;
    for (size_t k = 0; k < s.sum.size(); ++k) {
        s.sum[k] += b.sum[k];
        s.sum2[k] += b.sum2[k];
    }
    return s;
}

std::array<double, speaker_embedding_size> voice_stats_mean(const voice_stats& s) {
    std::array<double, speaker_embedding_size> mean{};
    if (s.frames > 0.0)
        for (size_t k = 0; k < mean.size(); ++k) mean[k] = s.sum[k] / s.frames;
    return mean;
}

}  // namespace clinote
