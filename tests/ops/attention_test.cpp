// Decode attention over a KV cache (ops/attention): against PyTorch's masked softmax
// attention (the golden "attention" cases of tools/make_ops_golden.py), against the softmax
// written out in double precision over caches longer than one key chunk (so that chunk
// partials are merged), with F16 caches, and independent of how queries are batched.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "core/half.h"
#include "ops/attention.h"
#include "ops/golden.h"

namespace clinote {
namespace {

using namespace ops_test;

// Query i (at position pos0 + i) attends to keys max(0, pos - window + 1) .. pos.
std::vector<float> attention_direct(const attention_shape& s, const std::vector<float>& q, const std::vector<float>& k,
                                    const std::vector<float>& v, int64_t n_tokens, int64_t pos0) {
    const int hd = s.head_dim, group = s.n_head / s.n_head_kv;
    const int64_t kv_stride = int64_t(s.n_head_kv) * hd;
    std::vector<float> out(size_t(n_tokens * s.n_head * hd));
    for (int64_t t = 0; t < n_tokens; t++) {
        const int64_t pos = pos0 + t, first = s.window > 0 ? std::max<int64_t>(0, pos - s.window + 1) : 0;
        for (int h = 0; h < s.n_head; h++) {
            const float* qh = q.data() + (t * s.n_head + h) * hd;
            const int64_t kv_off = int64_t(h / group) * hd;
            std::vector<double> score;
            for (int64_t j = first; j <= pos; j++) {
                double dot = 0;
                for (int d = 0; d < hd; d++) dot += double(qh[d]) * k[size_t(j * kv_stride + kv_off + d)];
                score.push_back(dot * s.scale);
            }
            const double max_score = *std::max_element(score.begin(), score.end());
            double sum = 0;
            for (double& x : score) sum += (x = std::exp(x - max_score));
            for (int d = 0; d < hd; d++) {
                double acc = 0;
                for (int64_t j = first; j <= pos; j++) acc += score[size_t(j - first)] * v[size_t(j * kv_stride + kv_off + d)];
                out[size_t((t * s.n_head + h) * hd + d)] = float(acc / sum);
            }
        }
    }
    return out;
}

std::vector<float> random_values(size_t n, uint32_t seed) {
    std::mt19937 gen(seed);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<float> x(n);
    for (float& v : x) v = normal(gen);
    return x;
}

std::vector<float> run(const attention_shape& s, const std::vector<float>& q, const kv_cache_view& kv, int64_t n_tokens,
                       int64_t pos0) {
    std::vector<float> out(size_t(n_tokens * s.n_head * s.head_dim));
    attention_forward(s, q.data(), kv, out.data(), n_tokens, pos0);
    return out;
}

TEST(AttentionCache, MatchesTorchOnTheCausalCase) {
    for (const auto& c : golden_cases("attention")) {
        if (c["name"] != "causal") continue;
        const attention_shape s{c["n_head"], c["n_head_kv"], c["head_dim"], c["scale"], c["window"]};
        const int64_t seq = c["seq_len"], q_row = s.n_head * s.head_dim, kv_row = s.n_head_kv * s.head_dim;
        const std::vector<float> q = floats(c["q"]), k = floats(c["k"]), v = floats(c["v"]), want = floats(c["out"]);
        for (int64_t b = 0; b < c["n_batch"].get<int64_t>(); b++) {
            const std::vector<float> qb(q.begin() + b * seq * q_row, q.begin() + (b + 1) * seq * q_row);
            const kv_cache_view kv{kv_type::f32, k.data() + b * seq * kv_row, v.data() + b * seq * kv_row};
            expect_close(run(s, qb, kv, seq, 0),
                         std::vector<float>(want.begin() + b * seq * q_row, want.begin() + (b + 1) * seq * q_row), "out");
        }
        return;
    }
    FAIL() << "no causal case in the golden file";
}

struct long_case {
    attention_shape shape;
    int64_t positions;
};

// head_dim 20: two lanes of eight and a scalar tail; 72: a block of 64 and a lane of eight.
const long_case long_cases[] = {
    {{6, 2, 20, 1.0f / std::sqrt(20.0f), 0}, 300},
    {{4, 1, 72, 1.0f / std::sqrt(72.0f), 150}, 300},
};

TEST(AttentionCache, LongCachesMatchTheSoftmaxWrittenOut) {
    for (const long_case& c : long_cases) {
        const attention_shape& s = c.shape;
        const int64_t kv_row = s.n_head_kv * s.head_dim, n_tokens = 6, pos0 = c.positions - n_tokens;
        const std::vector<float> k = random_values(size_t(c.positions * kv_row), 1), v = random_values(k.size(), 2);
        const std::vector<float> q = random_values(size_t(n_tokens * s.n_head * s.head_dim), 3);
        expect_close(run(s, q, {kv_type::f32, k.data(), v.data()}, n_tokens, pos0),
                     attention_direct(s, q, k, v, n_tokens, pos0), "out", 1e-5);
    }
}

// The same values stored as halves give the same results to rounding: only the loads
// differ (and where the compiler fuses a multiply and an add).
TEST(AttentionCache, F16CacheEqualsF32CacheOfTheSameValues) {
    for (const long_case& c : long_cases) {
        const attention_shape& s = c.shape;
        const int64_t kv_row = s.n_head_kv * s.head_dim, pos0 = c.positions - 1;
        std::vector<float> k = random_values(size_t(c.positions * kv_row), 4), v = random_values(k.size(), 5);
        std::vector<uint16_t> k16(k.size()), v16(v.size());
        for (size_t i = 0; i < k.size(); i++) {
            k16[i] = f32_to_f16(k[i]);
            v16[i] = f32_to_f16(v[i]);
            k[i] = f16_to_f32(k16[i]);
            v[i] = f16_to_f32(v16[i]);
        }
        const std::vector<float> q = random_values(size_t(s.n_head * s.head_dim), 6);
        expect_close(run(s, q, {kv_type::f16, k16.data(), v16.data()}, 1, pos0),
                     run(s, q, {kv_type::f32, k.data(), v.data()}, 1, pos0), "out", 1e-6);
    }
}

// Several queries at once (one work item per token and KV head) and one query at a time
// (one item per key chunk, as in decoding) merge the same chunk partials in the same order.
TEST(AttentionCache, BatchedQueriesEqualOneAtATime) {
    for (const long_case& c : long_cases) {
        const attention_shape& s = c.shape;
        const int64_t kv_row = s.n_head_kv * s.head_dim, q_row = s.n_head * s.head_dim, n_tokens = 40;
        const int64_t pos0 = c.positions - n_tokens;
        const std::vector<float> k = random_values(size_t(c.positions * kv_row), 7), v = random_values(k.size(), 8);
        const std::vector<float> q = random_values(size_t(n_tokens * q_row), 9);
        const kv_cache_view kv{kv_type::f32, k.data(), v.data()};
        const std::vector<float> batched = run(s, q, kv, n_tokens, pos0);
        for (int64_t t = 0; t < n_tokens; t++) {
            const std::vector<float> qt(q.begin() + t * q_row, q.begin() + (t + 1) * q_row);
            EXPECT_EQ(run(s, qt, kv, 1, pos0 + t),
                      std::vector<float>(batched.begin() + t * q_row, batched.begin() + (t + 1) * q_row));
        }
    }
}

}  // namespace
}  // namespace clinote
