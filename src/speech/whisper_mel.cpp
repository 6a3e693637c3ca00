#include "speech/whisper_mel.h"

#include <algorithm>
#include <cmath>
#include <complex>
#include <numbers>
#include <string>

#include "core/error.h"

namespace clinote {
namespace {

using cplx = std::complex<double>;
constexpr int n_bins = whisper_n_fft / 2 + 1;  // 201

// Slaney's mel scale (librosa htk=False): linear below 1 kHz, logarithmic above.
constexpr double mel_f_sp = 200.0 / 3.0;
constexpr double mel_min_log_hz = 1000.0;
constexpr double mel_min_log_mel = mel_min_log_hz / mel_f_sp;
const double mel_log_step = std::log(6.4) / 27.0;

double hz_to_mel(double hz) {
    return hz < mel_min_log_hz ? hz / mel_f_sp : mel_min_log_mel + std::log(hz / mel_min_log_hz) / mel_log_step;
}
double mel_to_hz(double mel) {
    return mel < mel_min_log_mel ? mel * mel_f_sp : mel_min_log_hz * std::exp(mel_log_step * (mel - mel_min_log_mel));
}

// std::complex's operator* checks for NaN/inf at every call (C99 Annex G): too slow here.
cplx mul(cplx a, cplx b) {
    return {a.real() * b.real() - a.imag() * b.imag(), a.real() * b.imag() + a.imag() * b.real()};
}

// Mixed-radix FFT for n = 2^k · m (m odd; 400 = 16 · 25): radix-2 decimation in time down
// to an odd length, done as a plain DFT. `twiddle` holds exp(-2πi j / N) for the full N.
void fft(const cplx* in, int stride, cplx* out, int n, const std::vector<cplx>& twiddle) {
    const int N = int(twiddle.size());
    if (n % 2 == 1) {
        const int step = N / n;
        for (int k = 0; k < n; k++) {
            cplx sum = 0;
            for (int j = 0; j < n; j++) sum += mul(in[j * stride], twiddle[size_t((j * k % n) * step)]);
            out[k] = sum;
        }
        return;
    }
    const int half = n / 2;
    fft(in, 2 * stride, out, half, twiddle);
    fft(in + stride, 2 * stride, out + half, half, twiddle);
    const int step = N / n;
    for (int k = 0; k < half; k++) {
        const cplx even = out[k];
        const cplx odd = mul(twiddle[size_t(k * step)], out[k + half]);
        out[k] = even + odd;
        out[k + half] = even - odd;
    }
}

}  // namespace

std::vector<float> whisper_mel_filters(int n_mels) {
    if (n_mels < 1) fail("n_mels", "must be positive, got " + std::to_string(n_mels));
    // n_mels + 2 points evenly spaced in mel between 0 Hz and Nyquist; filter m rises from
    // point m to m+1 and falls to m+2, scaled to unit area (slaney norm: 2 / width in Hz).
    const double mel_max = hz_to_mel(whisper_sample_rate / 2.0);
    std::vector<double> points(size_t(n_mels) + 2);
    for (size_t i = 0; i < points.size(); i++) points[i] = mel_to_hz(mel_max * double(i) / double(n_mels + 1));
    std::vector<float> filters(size_t(n_mels) * n_bins);
    for (int m = 0; m < n_mels; m++) {
        const double lo = points[size_t(m)], mid = points[size_t(m) + 1], hi = points[size_t(m) + 2];
        const double norm = 2.0 / (hi - lo);
        for (int k = 0; k < n_bins; k++) {
            const double hz = double(k) * whisper_sample_rate / whisper_n_fft;
            const double up = (hz - lo) / (mid - lo), down = (hi - hz) / (hi - mid);
            filters[size_t(m) * n_bins + size_t(k)] = float(norm * std::max(0.0, std::min(up, down)));
        }
    }
    return filters;
}

mel_spectrogram whisper_log_mel(const float* samples, int64_t n, int n_mels) {
    if (n < 0) fail("audio", "negative sample count");
    const std::vector<float> filters = whisper_mel_filters(n_mels);

    const int64_t padded = n + whisper_chunk_samples;  // the audio, then 30 s of zeros
    mel_spectrogram mel;
    mel.n_mels = n_mels;
    mel.n_frames = padded / whisper_hop_length;
    mel.data.assign(size_t(n_mels) * size_t(mel.n_frames), 0.0f);

    std::vector<double> window(whisper_n_fft);  // periodic Hann, as torch.hann_window
    for (int i = 0; i < whisper_n_fft; i++)
        window[size_t(i)] = 0.5 - 0.5 * std::cos(2.0 * std::numbers::pi * i / whisper_n_fft);
    std::vector<cplx> twiddle(whisper_n_fft);
    for (int j = 0; j < whisper_n_fft; j++) twiddle[size_t(j)] = std::polar(1.0, -2.0 * std::numbers::pi * j / whisper_n_fft);

    // A sample of the padded signal, reflected at both ends as torch.stft(center=True) does.
    auto sample_at = [&](int64_t j) -> double {
        if (j < 0) j = -j;
        if (j >= padded) j = 2 * (padded - 1) - j;
        return j < n ? double(samples[j]) : 0.0;
    };

#pragma omp parallel
    {
        std::vector<cplx> frame(whisper_n_fft), spectrum(whisper_n_fft);
        std::vector<double> power(n_bins);
#pragma omp for schedule(static)
        for (int64_t t = 0; t < mel.n_frames; t++) {
            const int64_t first = t * whisper_hop_length - whisper_n_fft / 2;
            for (int i = 0; i < whisper_n_fft; i++) frame[size_t(i)] = window[size_t(i)] * sample_at(first + i);
            fft(frame.data(), 1, spectrum.data(), whisper_n_fft, twiddle);
            for (int k = 0; k < n_bins; k++) power[size_t(k)] = std::norm(spectrum[size_t(k)]);
            for (int m = 0; m < n_mels; m++) {
                const float* f = &filters[size_t(m) * n_bins];
                double sum = 0;
                for (int k = 0; k < n_bins; k++) sum += double(f[k]) * power[size_t(k)];
                mel.data[size_t(m) * size_t(mel.n_frames) + size_t(t)] = float(std::log10(std::max(sum, 1e-10)));
            }
        }
    }

    const float top = *std::max_element(mel.data.begin(), mel.data.end());
    for (float& v : mel.data) v = (std::max(v, top - 8.0f) + 4.0f) / 4.0f;
    return mel;
}

}  // namespace clinote
