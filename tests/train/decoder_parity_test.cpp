// The decoder layer is written twice — model/transformer.cpp for inference (KV cache) and
// train/train_model.cpp for training (whole sequences, with a backward) — so this pins the two
// together on every architecture and file layout: the training loss of a sequence under an
// adapter that changes nothing (B = 0, as PEFT starts) equals the cross-entropy of the logits
// model_forward gives for the same tokens, position by position. Each side is also checked
// against PyTorch on its own (transformer_test, train_model_test); this one catches a change
// to one copy that the other does not get.
#include <gtest/gtest.h>

#include <cmath>

#include "model/transformer.h"
#include "train/lora_init.h"
#include "train/train_golden.h"
#include "train/train_model.h"

using namespace clinote;
using namespace clinote::train_test;

namespace {

struct parity_case {
    std::string arch, file;
};
void PrintTo(const parity_case& c, std::ostream* os) { *os << c.arch << " " << c.file; }

class DecoderParity : public ::testing::TestWithParam<parity_case> {};

// Σ over positions of -log softmax(logits)[next token], in double.
double cross_entropy_sum(const std::vector<float>& logits, const std::vector<int32_t>& targets, int64_t n_vocab) {
    double sum = 0;
    for (size_t i = 0; i < targets.size(); i++) {
        const float* row = logits.data() + i * size_t(n_vocab);
        double max = row[0];
        for (int64_t v = 1; v < n_vocab; v++) max = std::max(max, double(row[v]));
        double z = 0;
        for (int64_t v = 0; v < n_vocab; v++) z += std::exp(double(row[v]) - max);
        sum += max + std::log(z) - double(row[targets[i]]);
    }
    return sum;
}

TEST_P(DecoderParity, TrainingLossEqualsInferenceLogits) {
    const parity_case& c = GetParam();
    const std::string dir = source_dir() + "/tests/golden/model/" + c.arch;
    auto m = model_load(c.file == "hf" ? dir + "/hf" : dir + "/model.gguf", false);
    m->matmul = matmul_mode::f32;
    const int64_t n_vocab = m->config.n_vocab, n = 40;  // longer than gemma3's sliding window (4)
    std::vector<int32_t> tokens(size_t(n) + 1);
    for (size_t i = 0; i < tokens.size(); i++) tokens[i] = int32_t((i * 37 + 11) % size_t(n_vocab));

    train_batch batch;
    batch.n_batch = 1;
    batch.seq_len = n;
    batch.tokens.assign(tokens.begin(), tokens.end() - 1);
    batch.targets.assign(tokens.begin() + 1, tokens.end());
    batch.segment.assign(size_t(n), 0);
    for (int64_t i = 0; i < n; i++) batch.positions.push_back(int32_t(i));
    batch.valid.assign(size_t(n), 1);
    batch.n_scored = n;
    lora_config cfg;
    cfg.rank = 4;
    cfg.alpha = 8;
    cfg.dropout = 0;
    lora_adapter adapter = lora_adapter_create(*m, cfg, 1);
    adapter_fill_formula(adapter, true);  // B = 0: the adapter adds nothing
    const train_loss trained = train_forward_loss(*m, adapter, batch);
    ASSERT_EQ(trained.n_scored, n);

    inference_state st = inference_state_create(*m, n);
    std::vector<float> logits(size_t(n) * size_t(n_vocab));
    model_forward(*m, st, batch.tokens.data(), n, logits.data(), true);
    const double inferred = cross_entropy_sum(logits, batch.targets, n_vocab);
    EXPECT_NEAR(trained.sum, inferred, 1e-4 * inferred) << c.arch << " " << c.file;
}

INSTANTIATE_TEST_SUITE_P(AllArchitectures, DecoderParity,
                         ::testing::Values(parity_case{"llama", "gguf"}, parity_case{"llama", "hf"},
                                           parity_case{"qwen2", "gguf"}, parity_case{"qwen2", "hf"},
                                           parity_case{"gemma3", "gguf"}, parity_case{"gemma3", "hf"}),
                         [](const auto& info) { return info.param.arch + "_" + info.param.file; });

}  // namespace
