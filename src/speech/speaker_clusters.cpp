#include "speech/speaker_clusters.h"

#include <algorithm>
#include <cmath>

namespace clinote {

namespace {

// The log-likelihood of the stretch's frames under their own diagonal Gaussian, up to the
// terms that cancel in a merge's difference: -n/2 · Σ log(variance). The floor keeps a
// near-constant coefficient from counting as infinitely certain.
double voice_log_likelihood(const voice_stats& s) {
    if (s.frames <= 0.0) return 0.0;
    double log_det = 0.0;
    for (size_t k = 0; k < s.sum.size(); ++k) {
        const double mean = s.sum[k] / s.frames;
        log_det += std::log(std::max(s.sum2[k] / s.frames - mean * mean, 0.0) + 1e-5);
    }
    return -0.5 * s.frames * log_det;
}

// Seconds of [a0, a1) inside [b0, b1).
double overlap(double a0, double a1, double b0, double b1) { return std::max(0.0, std::min(a1, b1) - std::max(a0, b0)); }

}  // namespace

std::vector<int> two_speaker_clusters(const std::vector<voice_stats>& stretches) {
    const size_t n = stretches.size();
    std::vector<int> labels(n, 0);
    if (n < 2) return labels;
    std::vector<voice_stats> group = stretches;
    std::vector<double> ll(n);
    for (size_t i = 0; i < n; ++i) ll[i] = voice_log_likelihood(group[i]);
    std::vector<size_t> owner(n);
    for (size_t i = 0; i < n; ++i) owner[i] = i;
    std::vector<bool> alive(n, true);
    // cost[i * n + j], i < j: the likelihood lost by merging groups i and j.
    std::vector<double> cost(n * n, 0.0);
    auto merge_cost = [&](size_t i, size_t j) {
        return ll[i] + ll[j] - voice_log_likelihood(voice_stats_add(group[i], group[j]));
    };
    for (size_t i = 0; i < n; ++i)
        for (size_t j = i + 1; j < n; ++j) cost[i * n + j] = merge_cost(i, j);
    for (size_t groups = n; groups > 2; --groups) {
        size_t bi = 0, bj = 0;
        double best = INFINITY;
        for (size_t i = 0; i < n; ++i) {
            if (!alive[i]) continue;
            for (size_t j = i + 1; j < n; ++j)
                if (alive[j] && cost[i * n + j] < best) best = cost[i * n + j], bi = i, bj = j;
        }
        group[bi] = voice_stats_add(group[bi], group[bj]);
        ll[bi] = voice_log_likelihood(group[bi]);
        alive[bj] = false;
        for (size_t& o : owner)
            if (o == bj) o = bi;
        for (size_t k = 0; k < n; ++k)
            if (alive[k] && k != bi) cost[std::min(k, bi) * n + std::max(k, bi)] = merge_cost(std::min(k, bi), std::max(k, bi));
    }
    for (size_t i = 0; i < n; ++i) labels[i] = owner[i] == owner[0] ? 0 : 1;
    return labels;
}

std::vector<speech_segment> speaker_stretches(const vad_model& vad, const float* samples, int64_t n) {
    vad_options options;
    options.min_silence_ms = 300;
    return vad_speech_segments(vad_probabilities(vad, samples, n), n, options);
}

void speaker_labels_cluster(const float* samples, int64_t n, const std::vector<speech_segment>& units,
                            std::vector<whisper_segment>& segments, const std::vector<std::string>& names) {
    // Stretches in seconds: the units, or the segments themselves.
    std::vector<std::pair<double, double>> spans;
    for (const speech_segment& u : units)
        spans.emplace_back(double(u.start) / whisper_sample_rate, double(u.end) / whisper_sample_rate);
    if (units.empty())
        for (const whisper_segment& s : segments) spans.emplace_back(s.start, s.end);
    const mel_spectrogram mel = speaker_embedding_mel(samples, n);
    constexpr double frames_per_s = double(whisper_sample_rate) / whisper_hop_length;
    // Stretches without a frame to describe them (shorter than 10 ms, or past the end) are
    // not voices: left out.
    std::vector<std::pair<double, double>> voiced;
    std::vector<voice_stats> stats;
    for (const auto& [start, end] : spans) {
        const voice_stats s =
            speaker_embedding(mel, int64_t(std::floor(start * frames_per_s)), int64_t(std::ceil(end * frames_per_s)));
        if (s.frames == 0.0) continue;
        voiced.emplace_back(start, end);
        stats.push_back(s);
    }
    if (voiced.empty()) return;
    const std::vector<int> groups = two_speaker_clusters(stats);
    for (whisper_segment& s : segments) {
        double time[2] = {0.0, 0.0};
        size_t nearest = 0;
        double nearest_gap = INFINITY;
        for (size_t i = 0; i < voiced.size(); ++i) {
            const auto [start, end] = voiced[i];
            time[groups[i]] += overlap(s.start, s.end, start, end);
            const double gap = std::max({0.0, start - s.end, s.start - end});
            if (gap < nearest_gap) nearest_gap = gap, nearest = i;
        }
        const size_t g = time[0] + time[1] > 0.0 ? size_t(time[1] > time[0]) : size_t(groups[nearest]);
        s.speaker = g < names.size() ? names[g] : "Speaker " + std::to_string(g + 1);
    }
}

}  // namespace clinote
