// Amplitude of known tones in a 16 kHz signal, measured over a window holding a whole
// number of cycles of each, where sines of different frequencies are orthogonal.
#pragma once
#include <cmath>
#include <cstdint>
#include <numbers>
#include <vector>

namespace clinote::test {

struct tone_window {
    int64_t start = 800;  // skip the resampler's edge transient (50 ms)
    int64_t length = 3200;  // 0.2 s: whole cycles of every test tone (multiples of 5 Hz)
};

inline double tone_amplitude(const std::vector<float>& x, double freq, tone_window w = {}) {
    double re = 0, im = 0;
    for (int64_t i = w.start; i < w.start + w.length; i++) {
        const double phase = 2 * std::numbers::pi * freq * double(i) / 16000.0;
        re += x[size_t(i)] * std::cos(phase);
        im += x[size_t(i)] * std::sin(phase);
    }
    return 2.0 * std::hypot(re, im) / double(w.length);
}

// RMS of what is left after removing the given tones (each fitted in amplitude and phase).
inline double tone_residual_rms(const std::vector<float>& x, const std::vector<double>& freqs, tone_window w = {}) {
    std::vector<double> r(x.begin() + w.start, x.begin() + w.start + w.length);
    for (double f : freqs) {
        double re = 0, im = 0;
        for (int64_t i = 0; i < w.length; i++) {
            const double phase = 2 * std::numbers::pi * f * double(i + w.start) / 16000.0;
            re += r[size_t(i)] * std::cos(phase);
            im += r[size_t(i)] * std::sin(phase);
        }
        re *= 2.0 / double(w.length);
        im *= 2.0 / double(w.length);
        for (int64_t i = 0; i < w.length; i++) {
            const double phase = 2 * std::numbers::pi * f * double(i + w.start) / 16000.0;
            r[size_t(i)] -= re * std::cos(phase) + im * std::sin(phase);
        }
    }
    double sum = 0;
    for (double v : r) sum += v * v;
    return std::sqrt(sum / double(r.size()));
}

}  // namespace clinote::test
