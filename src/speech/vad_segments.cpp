// A line-by-line port of silero-vad's get_speech_timestamps_from_probs (utils_vad.py,
// silero-vad 6.2.3) at 16 kHz, so segment boundaries match the reference to the sample.
// Python's 0 doubles as "unset" for temp_end / prev_end / next_start there, and so here.
#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "speech/vad.h"

namespace clinote {
namespace {

constexpr double rate = 16000.0;

struct silence {
    int64_t end = 0;  // where the speech before it ended
    int64_t duration = 0;
};

}  // namespace

std::vector<speech_segment> vad_speech_segments(const std::vector<float>& probs, int64_t n_samples,
                                                const vad_options& o) {
    if (o.threshold <= 0 || o.threshold >= 1) fail("threshold", "must be between 0 and 1");
    const double min_speech_samples = rate * o.min_speech_ms / 1000.0;
    const double pad_samples = rate * o.speech_pad_ms / 1000.0;
    const double max_speech_samples = rate * o.max_speech_s - vad_frame_samples - 2 * pad_samples;
    const double min_silence_samples = rate * o.min_silence_ms / 1000.0;
    const double min_silence_at_max = rate * o.min_silence_at_max_speech_ms / 1000.0;
    const double neg_threshold = o.neg_threshold ? *o.neg_threshold : std::max(o.threshold - 0.15, 0.01);

    bool triggered = false;
    std::vector<speech_segment> speeches;
    bool has_current = false;  // current_speech holds a start
    speech_segment current;
    int64_t temp_end = 0, prev_end = 0, next_start = 0;
    std::vector<silence> possible_ends;

    auto close_current = [&](int64_t end) {
        current.end = end;
        speeches.push_back(current);
        has_current = false;
    };
    auto reset = [&] {
        prev_end = next_start = temp_end = 0;
        possible_ends.clear();
    };

    for (size_t i = 0; i < probs.size(); i++) {
        const double p = probs[i];
        const int64_t cur = int64_t(vad_frame_samples) * int64_t(i);

        if (p >= o.threshold && temp_end) {
            const int64_t sil = cur - temp_end;
            if (double(sil) > min_silence_at_max) possible_ends.push_back({temp_end, sil});
            temp_end = 0;
            if (next_start < prev_end) next_start = cur;
        }

        if (p >= o.threshold && !triggered) {
            triggered = true;
            current.start = cur;
            has_current = true;
            continue;
        }

        if (triggered && double(cur - current.start) > max_speech_samples) {
            if (o.use_max_possible_silence && !possible_ends.empty()) {
                // The longest silence inside the segment (the first of equal ones, as max()).
                const silence best = *std::max_element(possible_ends.begin(), possible_ends.end(),
                    [](const silence& a, const silence& b) { return a.duration < b.duration; });
                prev_end = best.end;
                close_current(prev_end);
                next_start = prev_end + best.duration;
                if (next_start < prev_end + cur) {
                    current.start = next_start;
                    has_current = true;
                } else {
                    triggered = false;
                }
                reset();
            } else if (prev_end) {
                close_current(prev_end);
                if (next_start < prev_end) {
                    triggered = false;
                } else {
                    current.start = next_start;
                    has_current = true;
                }
                reset();
            } else {
                close_current(cur);
                reset();
                triggered = false;
                continue;
            }
        }

        if (p < neg_threshold && triggered) {
            if (!temp_end) temp_end = cur;
            const int64_t sil_now = cur - temp_end;
            if (!o.use_max_possible_silence && double(sil_now) > min_silence_at_max) prev_end = temp_end;
            if (double(sil_now) < min_silence_samples) continue;
            current.end = temp_end;
            if (double(current.end - current.start) > min_speech_samples) speeches.push_back(current);
            has_current = false;
            reset();
            triggered = false;
            continue;
        }
    }

    if (has_current && double(n_samples - current.start) > min_speech_samples) {
        current.end = n_samples;
        speeches.push_back(current);
    }

    // Padding: a gap shorter than two pads is split between its neighbours.
    for (size_t i = 0; i < speeches.size(); i++) {
        speech_segment& s = speeches[i];
        if (i == 0) s.start = int64_t(std::max(0.0, double(s.start) - pad_samples));
        if (i + 1 != speeches.size()) {
            speech_segment& next = speeches[i + 1];
            const int64_t gap = next.start - s.end;
            if (double(gap) < 2 * pad_samples) {
                const int64_t half = gap >= 0 ? gap / 2 : -((-gap + 1) / 2);  // Python's floor division
                s.end += half;
                next.start = std::max<int64_t>(0, next.start - half);
            } else {
                s.end = int64_t(std::min(double(n_samples), double(s.end) + pad_samples));
                next.start = int64_t(std::max(0.0, double(next.start) - pad_samples));
            }
        } else {
            s.end = int64_t(std::min(double(n_samples), double(s.end) + pad_samples));
        }
    }
    return speeches;
}

}  // namespace clinote
