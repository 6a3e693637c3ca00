#include "speech/speaker_channels.h"

#include <algorithm>
#include <cmath>

namespace clinote {

std::vector<int> speaker_channels(const audio_pcm& pcm, const std::vector<whisper_segment>& segments) {
    std::vector<int> out(segments.size(), -1);
    if (pcm.channels < 2) return out;
    const int64_t frames = pcm.frames();
    std::vector<double> energy(size_t(pcm.channels));
    for (size_t i = 0; i < segments.size(); ++i) {
        const int64_t b = std::clamp(int64_t(std::floor(segments[i].start * pcm.sample_rate)), int64_t(0), frames);
        const int64_t e = std::clamp(int64_t(std::ceil(segments[i].end * pcm.sample_rate)), int64_t(0), frames);
        std::fill(energy.begin(), energy.end(), 0.0);
        for (int64_t f = b; f < e; ++f)
            for (int c = 0; c < pcm.channels; ++c) {
                const double x = pcm.samples[size_t(f * pcm.channels + c)];
                energy[size_t(c)] += x * x;
            }
        const auto best = std::max_element(energy.begin(), energy.end());
        if (*best > 0.0) out[i] = int(best - energy.begin());
    }
    return out;
}

void speaker_labels_apply(const audio_pcm& pcm, std::vector<whisper_segment>& segments,
                          const std::vector<std::string>& names) {
    const std::vector<int> channels = speaker_channels(pcm, segments);
    for (size_t i = 0; i < segments.size(); ++i) {
        const int c = channels[i];
        if (c >= 0) segments[i].speaker = size_t(c) < names.size() ? names[size_t(c)] : "Speaker " + std::to_string(c + 1);
    }
}

}  // namespace clinote
