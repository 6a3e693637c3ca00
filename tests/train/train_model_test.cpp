// Gradients of a whole model's LoRA A/B (and modules_to_save tables) against PyTorch + PEFT
// (golden files of tools/make_train_golden.py), for llama, qwen2 and gemma3 tiny models, on a
// batch with right padding and packed sequences; with and without activation checkpointing.
#include <gtest/gtest.h>

#include "io/safetensors.h"
#include "train/lora_init.h"
#include "train/lora_params.h"
#include "train/train_golden.h"
#include "train/train_model.h"

using namespace clinote;
using namespace clinote::train_test;

namespace {

lora_config golden_config(const nlohmann::json& c) {
    lora_config cfg;
    cfg.rank = c["rank"];
    cfg.alpha = c["alpha"];
    cfg.dropout = 0.0f;
    for (const auto& name : c["modules_to_save"]) {
        if (name == "embed_tokens") cfg.train_embeddings = true;
        if (name == "lm_head") cfg.train_output = true;
    }
    return cfg;
}

// base_bf16: the frozen weights multiplied in BF16 (train_base_bf16), against PyTorch doing
// the same (the golden script's Bf16Linear): rounding to BF16 alone moves these gradients by
// up to 24% of their rms from the F32 ones, so the F32 golden could not tell a bug from it.
// Tolerance 3e-2 for the gradients: where F32 sums in another order land a value next to a
// BF16 rounding boundary, it rounds one step (0.4%) the other way, and such steps carry
// through the layers (up to 1.7% of the rms here).
void check_gradients(size_t case_index, bool checkpoint, bool base_bf16 = false) {
    const nlohmann::json c = golden_json("gradients.json")["cases"][case_index];
    auto m = model_load(tiny_model_dir(c["arch"]), false);
    lora_adapter adapter = lora_adapter_create(*m, golden_config(c), 1);
    adapter_fill_formula(adapter, false);
    const train_batch batch = batch_from_json(c["batch"]);
    lora_adapter grads = lora_adapter_zeros_like(adapter);
    train_step_options opt;
    opt.checkpoint_layers = checkpoint;
    opt.head_rows = 7;  // several head chunks, one of them partly ignored
    const train_base_bf16 packed = base_bf16 ? train_base_bf16_pack(*m, adapter) : train_base_bf16{};
    if (base_bf16) opt.base_bf16 = &packed;
    const train_loss loss = train_forward_backward(*m, adapter, batch, 1.0f / float(batch.n_scored), grads, opt);
    const double want_loss = c[base_bf16 ? "loss_bf16" : "loss"].get<double>();
    EXPECT_NEAR(loss.mean(), want_loss, 1e-4 * want_loss);

    const std::string grads_file = c[base_bf16 ? "grads_bf16" : "grads"];
    const safetensors_file want = safetensors_open(source_dir() + "/tests/golden/train/" + grads_file);
    const std::vector<lora_param> params = lora_params(grads, *m);
    EXPECT_EQ(params.size(), want.tensors.size());
    for (const lora_param& p : params) {
        const tensor_view* w = want.find_tensor(p.name);
        ASSERT_NE(w, nullptr) << p.name;
        ASSERT_EQ(w->shape, p.shape) << p.name;
        expect_close(p.values->data(), static_cast<const float*>(w->data), p.values->size(), p.name, base_bf16 ? 3e-2 : 1e-3);
    }
}

class Gradients : public ::testing::TestWithParam<size_t> {};

TEST_P(Gradients, MatchPeft) { check_gradients(GetParam(), false); }
TEST_P(Gradients, MatchPeftWithActivationCheckpointing) { check_gradients(GetParam(), true); }
TEST_P(Gradients, MatchPeftToBf16PrecisionWithBf16Base) { check_gradients(GetParam(), false, true); }

// llama, qwen2 (tied head, q/k/v biases), gemma3 (qk-norm, post-norms, sliding windows,
// embedding scale), llama with modules_to_save = embed_tokens + lm_head.
INSTANTIATE_TEST_SUITE_P(TinyModels, Gradients, ::testing::Values(0, 1, 2, 3));

TEST(TrainModel, ValidationLossEqualsTrainingLossWithoutDropout) {
    const nlohmann::json c = golden_json("gradients.json")["cases"][0];
    auto m = model_load(tiny_model_dir(c["arch"]), false);
    lora_adapter adapter = lora_adapter_create(*m, golden_config(c), 1);
    adapter_fill_formula(adapter, false);
    const train_batch batch = batch_from_json(c["batch"]);
    const train_loss loss = train_forward_loss(*m, adapter, batch);
    EXPECT_EQ(loss.n_scored, batch.n_scored);
    EXPECT_NEAR(loss.mean(), c["loss"].get<double>(), 1e-4 * c["loss"].get<double>());
}

}  // namespace

namespace {

// The tiny llama as GGUF: llama.cpp's converter permutes the rows of Q and K (RoPE on adjacent
// pairs), so the gradients of those B matrices are PEFT's with rows permuted the same way;
// everything else must match PEFT's as is.
TEST(GradientsGguf, LlamaMatchesPeftUpToTheQkRowPermutation) {
    const nlohmann::json c = golden_json("gradients.json")["cases"][0];
    ASSERT_EQ(c["arch"], "llama");
    auto m = model_load(source_dir() + "/tests/golden/model/llama/model.gguf", false);
    lora_adapter adapter = lora_adapter_create(*m, golden_config(c), 1);
    adapter_fill_formula(adapter, false);
    const int head_dim = m->config.head_dim;
    // B's rows in the GGUF order from the formula's (HF-order) values: gguf row h·d + 2i + j
    // holds HF row h·d + j·d/2 + i.
    auto hf_row = [&](int64_t row) {
        const int64_t h = row / head_dim, i = (row % head_dim) / 2, j = row % 2;
        return h * head_dim + j * (head_dim / 2) + i;
    };
    const int64_t r = adapter.config.rank;
    for (auto& layer : adapter.layers)
        for (lora_target t : {lora_target::q, lora_target::k}) {
            std::vector<float>& b = layer[size_t(t)].b;
            const std::vector<float> hf = b;
            for (int64_t row = 0; row < int64_t(b.size()) / r; row++)
                for (int64_t k = 0; k < r; k++) b[size_t(row * r + k)] = hf[size_t(hf_row(row) * r + k)];
        }
    const train_batch batch = batch_from_json(c["batch"]);
    lora_adapter grads = lora_adapter_zeros_like(adapter);
    const train_loss loss = train_forward_backward(*m, adapter, batch, 1.0f / float(batch.n_scored), grads, {});
    EXPECT_NEAR(loss.mean(), c["loss"].get<double>(), 1e-4 * c["loss"].get<double>());
    const safetensors_file want = safetensors_open(source_dir() + "/tests/golden/train/" + c["grads"].get<std::string>());
    for (const lora_param& p : lora_params(grads, *m)) {
        const tensor_view* w = want.find_tensor(p.name);
        ASSERT_NE(w, nullptr) << p.name;
        std::vector<float> expected(static_cast<const float*>(w->data), static_cast<const float*>(w->data) + p.values->size());
        const bool permuted = p.name.ends_with("q_proj.lora_B") || p.name.ends_with("k_proj.lora_B");
        if (permuted)
            for (int64_t row = 0; row < int64_t(expected.size()) / r; row++)
                for (int64_t k = 0; k < r; k++)
                    expected[size_t(row * r + k)] = static_cast<const float*>(w->data)[hf_row(row) * r + k];
        expect_close(p.values->data(), expected.data(), expected.size(), p.name, 1e-3);
    }
}

}  // namespace
