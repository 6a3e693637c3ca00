// Times clinote on one model file, the way llama-bench times llama.cpp: random prompt
// tokens, prefill tokens/s for each prompt length, decode tokens/s for `gen` tokens after
// a `depth`-token prompt, plus load time, peak RSS, the weight bytes a decoded token reads,
// memory bandwidth, and a per-op breakdown of one decoded token. Prints one JSON object.
// --matmul float times the F32 reference path instead of the default int8 kernels
// (ops/linear.h: matmul_mode).
// Usage: decode_bench MODEL [--threads N] [--prefill 512,2048] [--depth 512] [--gen 128]
//                           [--reps 3] [--matmul int8|float] [--profile]
#include <omp.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "core/thread_pool.h"
#include "model/transformer.h"
#include "ops/attention.h"
#include "ops/linear.h"
#include "ops/parallel.h"
#include "quant/quant.h"
#include "quant/vec_dot.h"

using namespace clinote;
using clock_type = std::chrono::steady_clock;

namespace {

double seconds_since(clock_type::time_point t0) {
    return std::chrono::duration<double>(clock_type::now() - t0).count();
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

template <class F>
double median_seconds(int reps, F&& f) {
    std::vector<double> t;
    for (int i = 0; i < reps; i++) {
        const auto t0 = clock_type::now();
        f();
        t.push_back(seconds_since(t0));
    }
    return median(t);
}

std::vector<int32_t> random_tokens(int n_vocab, int64_t n, uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int32_t> id(0, n_vocab - 1);
    std::vector<int32_t> t(static_cast<size_t>(n));
    for (int32_t& x : t) x = id(rng);
    return t;
}

// Bytes of weights one decoded token reads: every linear weight, the output head, and one
// embedding row.
double weight_bytes_per_token(const model& m) {
    double b = double(m.output.nbytes) + double(m.tok_embd.nbytes) / double(m.tok_embd.rows());
    for (const layer_weights& l : m.layers)
        for (const linear_weight* w : {&l.wq, &l.wk, &l.wv, &l.wo, &l.w_gate, &l.w_up, &l.w_down}) b += double(w->w.nbytes);
    return b;
}

// Read bandwidth of a buffer much larger than the last-level cache, on the ops pool.
double memory_bandwidth_gbs() {
    const size_t n = size_t(512) << 20 >> 3;  // 512 MiB of uint64
    std::vector<uint64_t> buf(n, 1);
    thread_pool& pool = ops_thread_pool();
    std::vector<uint64_t> partial(size_t(pool.size()) * 64);
    double best = 1e9;
    for (int rep = 0; rep < 5; rep++) {
        const auto t0 = clock_type::now();
        pool.run(int64_t(n), 1 << 16, [&](int64_t b, int64_t e) {
            uint64_t s = 0;
            for (int64_t i = b; i < e; i++) s += buf[size_t(i)];
            partial[size_t(b % pool.size()) * 64] += s;  // keeps the loop from being removed
        });
        best = std::min(best, seconds_since(t0));
    }
    return double(n * 8) / best / 1e9;
}

// Time of each op class in one decoded token at context `depth`, summed over layers.
nlohmann::json profile_decode(const model& m, int64_t depth, int reps) {
    const model_config& c = m.config;
    std::vector<float> x(size_t(std::max<int64_t>(c.n_ff, int64_t(c.n_head) * c.head_dim) + c.n_vocab), 0.01f);
    std::vector<float> y(size_t(c.n_vocab) + size_t(c.n_ff));
    nlohmann::json p;
    auto time_linear = [&](auto pick) {
        return median_seconds(reps, [&] {
            for (const layer_weights& l : m.layers) {
                const tensor_view& w = pick(l).w;
                linear_forward(w, nullptr, x.data(), y.data(), 1, m.matmul);
            }
        });
    };
    p["attn_qkv_ms"] = 1e3 * (time_linear([](const layer_weights& l) -> const linear_weight& { return l.wq; }) +
                              time_linear([](const layer_weights& l) -> const linear_weight& { return l.wk; }) +
                              time_linear([](const layer_weights& l) -> const linear_weight& { return l.wv; }));
    p["attn_out_ms"] = 1e3 * time_linear([](const layer_weights& l) -> const linear_weight& { return l.wo; });
    p["ffn_gate_up_ms"] = 1e3 * (time_linear([](const layer_weights& l) -> const linear_weight& { return l.w_gate; }) +
                                 time_linear([](const layer_weights& l) -> const linear_weight& { return l.w_up; }));
    p["ffn_down_ms"] = 1e3 * time_linear([](const layer_weights& l) -> const linear_weight& { return l.w_down; });
    p["output_head_ms"] = 1e3 * median_seconds(reps, [&] { linear_forward(m.output, nullptr, x.data(), y.data(), 1, m.matmul); });
    const int64_t kv_dim = int64_t(c.n_head_kv) * c.head_dim;
    // The cache type model_forward would use for this matmul mode, filled with small values.
    const kv_type cache_type = inference_state_create(m, 0).cache_type;
    const size_t cache_bytes = size_t((depth + 1) * kv_dim) * (cache_type == kv_type::f16 ? 2 : 4);
    std::vector<uint8_t> kc(cache_bytes, 0x11), vc(cache_bytes, 0x12);
    std::vector<float> q(size_t(c.n_head) * size_t(c.head_dim), 0.1f), o(q.size());
    attention_shape shape{c.n_head, c.n_head_kv, c.head_dim, c.attn_scale, 0};
    p["attention_ms"] = 1e3 * median_seconds(reps, [&] {
        for (int il = 0; il < c.n_layer; il++) attention_forward(shape, q.data(), {cache_type, kc.data(), vc.data()}, o.data(), 1, depth);
    });
    return p;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: decode_bench MODEL [--threads N] [--prefill 512,2048] [--depth 512] [--gen 128] "
                             "[--reps 3] [--matmul int8|float] [--profile]\n");
        return 2;
    }
    const std::string path = argv[1];
    int threads = 0, reps = 3;
    int64_t depth = 512, gen = 128;
    std::vector<int64_t> prefill = {512, 2048};
    bool profile = false;
    matmul_mode matmul = matmul_mode::int8;
    for (int i = 2; i < argc; i++) {
        const std::string a = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "decode_bench: %s needs a value\n", a.c_str());
                std::exit(2);
            }
            return argv[++i];
        };
        if (a == "--threads") threads = std::stoi(next());
        else if (a == "--reps") reps = std::stoi(next());
        else if (a == "--depth") depth = std::stoll(next());
        else if (a == "--gen") gen = std::stoll(next());
        else if (a == "--matmul") matmul = matmul_mode_parse(next(), "--matmul");
        else if (a == "--profile") profile = true;
        else if (a == "--prefill") {
            prefill.clear();
            const std::string list = next();
            for (size_t p = 0; p < list.size();) {
                const size_t comma = std::min(list.find(',', p), list.size());
                prefill.push_back(std::stoll(list.substr(p, comma - p)));
                p = comma + 1;
            }
        } else {
            std::fprintf(stderr, "decode_bench: unknown argument %s\n", a.c_str());
            return 2;
        }
    }
    if (threads > 0) omp_set_num_threads(threads);
    nlohmann::json r;
    r["model"] = path;
    r["threads"] = omp_get_max_threads();
    r["cpu_path"] = cpu_path_name(cpu_path_select());
    r["matmul"] = matmul_mode_name(matmul);

    const auto t_load = clock_type::now();
    const auto m = model_load(path, true);
    m->matmul = matmul;
    r["load_s"] = seconds_since(t_load);
    r["weight_bytes_per_token"] = weight_bytes_per_token(*m);
    r["weight_type"] = dtype_name(m->layers[0].wq.w.type);
    const int64_t n_ctx = std::max(depth + gen, *std::max_element(prefill.begin(), prefill.end()));
    std::vector<float> logits(size_t(m->config.n_vocab));

    for (int64_t n : prefill) {
        const std::vector<int32_t> tokens = random_tokens(m->config.n_vocab, n, 1);
        const double s = median_seconds(reps, [&] {
            inference_state st = inference_state_create(*m, n_ctx);
            model_forward(*m, st, tokens.data(), n, logits.data());
        });
        r["prefill"][std::to_string(n)] = double(n) / s;
    }

    std::vector<double> decode_s;
    for (int rep = 0; rep < reps; rep++) {
        inference_state st = inference_state_create(*m, n_ctx);
        const std::vector<int32_t> prompt = random_tokens(m->config.n_vocab, depth, 2);
        model_forward(*m, st, prompt.data(), depth, logits.data());
        const std::vector<int32_t> next = random_tokens(m->config.n_vocab, gen, 3);
        const auto t0 = clock_type::now();
        for (int64_t i = 0; i < gen; i++) model_forward(*m, st, &next[size_t(i)], 1, logits.data());
        decode_s.push_back(seconds_since(t0));
    }
    r["decode"] = double(gen) / median(decode_s);
    r["depth"] = depth;
    r["gen"] = gen;

    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    r["peak_rss_mb"] = double(ru.ru_maxrss) / 1024.0;  // before the probes below allocate
    if (profile) {
        r["profile"] = profile_decode(*m, depth + gen / 2, reps);
        r["profile"]["decode_total_ms"] = 1e3 * median(decode_s) / double(gen);
        r["bandwidth_gbs"] = memory_bandwidth_gbs();
    }
    std::printf("%s\n", r.dump().c_str());
    return 0;
}
