#include "train/lora_init.h"

#include <cmath>
#include <string>

#include "core/error.h"
#include "quant/quant.h"
#include "train/train_random.h"

namespace clinote {

void lora_config_check(const lora_config& cfg) {
    if (cfg.rank < 1) fail("lora rank", "must be at least 1 (got " + std::to_string(cfg.rank) + ")");
    if (cfg.rank > 4096) fail("lora rank", "must be at most 4096 (got " + std::to_string(cfg.rank) + ")");
    if (!(cfg.alpha > 0 && cfg.alpha <= 1e4f)) fail("lora alpha", "must be above 0 and at most 10000");
    if (!(cfg.dropout >= 0 && cfg.dropout < 1)) fail("lora dropout", "must be in [0, 1)");
    if (cfg.targets.empty() && !cfg.train_embeddings && !cfg.train_output)
        fail("lora targets", "no layer to adapt and no embeddings or head to train");
}

static std::vector<float> dequantize_table(const tensor_view& t) {
    const int64_t rows = t.rows(), cols = t.cols();
    std::vector<float> out(size_t(rows * cols));
    const size_t row_bytes = dtype_row_bytes(t.type, cols);
    for (int64_t r = 0; r < rows; r++)
        dequantize_row(t.type, static_cast<const uint8_t*>(t.data) + size_t(r) * row_bytes, &out[size_t(r * cols)],
                       cols);
    return out;
}

lora_adapter lora_adapter_create(const model& m, const lora_config& cfg, uint64_t seed) {
    lora_config_check(cfg);
    lora_adapter a;
    a.config = cfg;
    a.layers.resize(m.layers.size());
    const int64_t r = cfg.rank;
    for (size_t il = 0; il < m.layers.size(); il++) {
        for (lora_target t : cfg.targets) {
            const tensor_view& w = layer_linear(m.layers[il], t).w;
            const int64_t n_out = w.rows(), n_in = w.cols();
            lora_matrices& lm = a.layers[il][size_t(t)];
            lm.a.resize(size_t(r * n_in));
            lm.b.assign(size_t(n_out * r), 0.0f);
            const float bound = 1.0f / std::sqrt(float(n_in));
            const uint64_t stream = random_stream(seed, il * lora_target_count + size_t(t));
            for (size_t i = 0; i < lm.a.size(); i++)
                lm.a[i] = float((2.0 * random_uniform(stream, i) - 1.0) * bound);
        }
    }
    if (cfg.train_embeddings) a.tok_embd = dequantize_table(m.tok_embd);
    if (cfg.train_output) a.output = dequantize_table(m.output);
    return a;
}

}  // namespace clinote
