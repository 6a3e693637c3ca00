#include "speech/vad_chunks.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace clinote {

std::vector<audio_chunk> vad_chunks(const std::vector<float>& probs, int64_t n_samples,
                                    const vad_chunk_options& o) {
    if (!(o.target_s > 0)) fail("target_s", "must be positive");
    if (!(o.max_s >= o.target_s)) fail("max_s", "must be at least target_s");
    vad_options vad = o.vad;
    vad.max_speech_s = std::min(vad.max_speech_s, o.max_s);
    const std::vector<speech_segment> speech = vad_speech_segments(probs, n_samples, vad);
    const int64_t target = int64_t(std::llround(o.target_s * 16000.0));
    const int64_t max_len = int64_t(std::llround(o.max_s * 16000.0));
    const int64_t speech_margin = 3200;  // 0.2 s

    // Silences: before the first segment, between segments, after the last.
    std::vector<speech_segment> gaps;
    int64_t prev = 0;
    for (const speech_segment& s : speech) {
        if (s.start > prev) gaps.push_back({prev, s.start});
        prev = std::max(prev, s.end);
    }
    if (n_samples > prev) gaps.push_back({prev, n_samples});

    std::vector<audio_chunk> chunks;
    int64_t start = 0;
    while (n_samples - start > max_len) {
        const int64_t want = start + target, limit = start + max_len;
        int64_t cut = -1;
        for (const speech_segment& g : gaps) {
            // Stay clear of the speech on either side (its padding may hold a word's tail):
            // the middle of a short gap, else anywhere 0.2 s or more from speech.
            const int64_t margin = std::min((g.end - g.start) / 2, speech_margin);
            const int64_t lo = std::max(g.start + margin, start + 1), hi = std::min(g.end - margin, limit);
            if (lo > hi) continue;
            const int64_t point = std::clamp(want, lo, hi);
            if (cut < 0 || std::llabs(point - want) < std::llabs(cut - want)) cut = point;
        }
        if (cut < 0) {
            // Speech throughout: the least speech-like frame in the second half of the window.
            const size_t first = size_t((start + max_len / 2) / vad_frame_samples);
            const size_t last = std::min(probs.size(), size_t(limit / vad_frame_samples));
            cut = limit;
            float lowest = 2.0f;
            for (size_t f = first; f < last; f++)
                if (probs[f] < lowest) {
                    lowest = probs[f];
                    cut = int64_t(f) * vad_frame_samples;
                }
        }
        chunks.push_back({start, cut, false});
        start = cut;
    }
    chunks.push_back({start, n_samples, false});

    for (audio_chunk& c : chunks)
        c.has_speech = std::any_of(speech.begin(), speech.end(),
                                   [&](const speech_segment& s) { return s.start < c.end && s.end > c.start; });
    return chunks;
}

}  // namespace clinote
