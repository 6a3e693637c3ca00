// A full fine-tune (train --full) against PyTorch (tools/make_full_train_golden.py): the
// gradient of every parameter of the tiny llama, qwen2 (q/k/v biases, tied head) and gemma3
// (qk-norm, post-norms, sliding windows, embedding scale, tied head) models on one batch, the
// losses of six AdamW steps with weight decay on matrices only; and on stories260k a short
// run through trainer_run that lowers the loss, writes a GGUF whose logits are the trained
// model's, and resumes from its checkpoint.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "core/paths.h"
#include "io/safetensors.h"
#include "model/transformer.h"
#include "train/adamw.h"
#include "train/full_params.h"
#include "train/lr_schedule.h"
#include "train/train_golden.h"
#include "train/train_model.h"
#include "train/train_checkpoint.h"
#include "train/trainer.h"
#include "tokenizer/tokenizer.h"

using namespace clinote;
using namespace clinote::train_test;

namespace {

class FullGradients : public ::testing::TestWithParam<size_t> {};

void check_full_gradients(size_t index, bool checkpoint) {
    const nlohmann::json c = golden_json("full.json")["gradients"][index];
    auto base = model_load(tiny_model_dir(c["arch"]), false);
    full_weights w = full_weights_from_model(*base);
    auto m = full_model_view(*base, w);
    full_weights grads = full_weights_zeros_like(w);
    const train_batch batch = batch_from_json(c["batch"]);
    train_step_options opt;
    opt.checkpoint_layers = checkpoint;
    opt.head_rows = 7;  // several head chunks, one of them partly ignored
    const train_loss loss = train_forward_backward_full(*m, batch, 1.0f / float(batch.n_scored), grads, opt);
    EXPECT_NEAR(loss.mean(), c["loss"].get<double>(), 1e-4 * c["loss"].get<double>());

    const safetensors_file want = safetensors_open(source_dir() + "/tests/golden/train/" + c["grads"].get<std::string>());
    const std::vector<full_param> params = full_params(grads, *m);
    EXPECT_EQ(params.size(), want.tensors.size());
    for (const full_param& p : params) {
        const tensor_view* t = want.find_tensor(p.name);
        ASSERT_NE(t, nullptr) << p.name;
        ASSERT_EQ(t->shape, p.shape) << p.name;
        expect_close(p.values->data(), static_cast<const float*>(t->data), p.values->size(), p.name, 1e-3);
    }
}

TEST_P(FullGradients, MatchTorch) { check_full_gradients(GetParam(), false); }
TEST_P(FullGradients, MatchTorchWithActivationCheckpointing) { check_full_gradients(GetParam(), true); }

INSTANTIATE_TEST_SUITE_P(TinyModels, FullGradients, ::testing::Values(0, 1, 2));  // llama, qwen2, gemma3

class FullAdamwSteps : public ::testing::TestWithParam<size_t> {};

TEST_P(FullAdamwSteps, LossesMatchTorch) {
    const nlohmann::json c = golden_json("full.json")["adamw"][GetParam()];
    auto base = model_load(tiny_model_dir(c["arch"]), false);
    full_weights w = full_weights_from_model(*base);
    auto m = full_model_view(*base, w);
    std::vector<train_batch> batches;
    for (const auto& b : c["batches"]) batches.push_back(batch_from_json(b));
    adamw_options opt;
    opt.beta1 = c["beta1"];
    opt.beta2 = c["beta2"];
    opt.eps = c["eps"];
    opt.weight_decay = c["weight_decay"];
    adamw_full_state st = adamw_create(w);
    full_weights grads = full_weights_zeros_like(w);
    const int64_t steps = c["steps"], accum = c["grad_accum"], warmup = c["warmup"];
    const auto want_losses = c["losses"].get<std::vector<double>>();
    const auto want_norms = c["grad_norms"].get<std::vector<double>>();
    for (int64_t step = 0; step < steps; step++) {
        full_weights_fill_zero(grads);
        int64_t n_scored = 0;
        for (int64_t a = 0; a < accum; a++) n_scored += batches[size_t((step * accum + a) % 4)].n_scored;
        double loss = 0.0;
        for (int64_t a = 0; a < accum; a++)
            loss += train_forward_backward_full(*m, batches[size_t((step * accum + a) % 4)], 1.0f / float(n_scored),
                                                grads, train_step_options{})
                        .sum;
        loss /= double(n_scored);
        const double norm = grad_clip_global_norm(grads, c["clip"].get<double>());
        const double lr = c["lr"].get<double>() * lr_factor(lr_schedule::cosine, step, warmup, steps);
        EXPECT_NEAR(loss, want_losses[size_t(step)], 1e-4 * want_losses[size_t(step)]) << "step " << step;
        EXPECT_NEAR(norm, want_norms[size_t(step)], 1e-3 * want_norms[size_t(step)]) << "step " << step;
        adamw_step(st, w, grads, opt, float(lr));
        full_model_refresh(*m, w);
    }
}

INSTANTIATE_TEST_SUITE_P(TinyModels, FullAdamwSteps, ::testing::Values(0, 1, 2));

// Weight decay reaches the matrices and not the norms: one step with zero gradients moves
// only the decayed values, each by the factor (1 - lr·wd).
TEST(FullAdamw, DecaysMatricesNotNormsOrBiases) {
    auto base = model_load(tiny_model_dir("qwen2"), false);
    full_weights w = full_weights_from_model(*base);
    const full_weights before = w;
    full_weights grads = full_weights_zeros_like(w);
    adamw_full_state st = adamw_create(w);
    adamw_options opt;
    opt.weight_decay = 0.5f;
    adamw_step(st, w, grads, opt, 0.1f);
    EXPECT_FLOAT_EQ(w.layers[0].w[0][3], before.layers[0].w[0][3] * 0.95f);
    EXPECT_FLOAT_EQ(w.tok_embd[5], before.tok_embd[5] * 0.95f);
    EXPECT_EQ(w.layers[0].bias[0], before.layers[0].bias[0]);
    EXPECT_EQ(w.layers[1].attn_norm, before.layers[1].attn_norm);
    EXPECT_EQ(w.output_norm, before.output_norm);
}

namespace fs = std::filesystem;

std::string stories_path() { return shared_dir() + "/models/stories260k/stories260K.gguf"; }

// Two short texts, every token after the first scored; validation on the first.
train_dataset story_data(const model& m) {
    train_dataset data;
    for (const char* text : {"Seven purple whales argued about soup, then a tiny robot painted the moon green.",
                             "Grandpa Otto sneezed twice, and forty rubber ducks marched into the library."}) {
        train_example ex;
        ex.id = text;
        ex.tokens = tokenizer_encode(m.tok, text, true);
        ex.scored.assign(ex.tokens.size(), 1);
        ex.scored[0] = 0;
        data.train.examples.push_back(ex);
    }
    data.valid.examples = {data.train.examples[0]};
    return data;
}

// Logits of the last position of `tokens`.
std::vector<float> last_logits(const model& m, const std::vector<int32_t>& tokens) {
    inference_state st = inference_state_create(m, 256);
    std::vector<float> logits(size_t(m.config.n_vocab));
    model_forward(m, st, tokens.data(), int64_t(tokens.size()), logits.data());
    return logits;
}

TEST(FullTrain, Stories260kLossFallsAndTheGgufIsTheTrainedModel) {
    if (!fs::exists(stories_path())) GTEST_SKIP() << "no " << stories_path();
    const std::string tmp = fs::temp_directory_path() / ("clinote_full_train_" + std::to_string(::getpid()));
    fs::remove_all(tmp);
    auto base = model_load(stories_path(), true);
    const train_dataset data = story_data(*base);
    trainer_options opt;
    opt.out_dir = tmp + "/run";
    opt.full = true;
    opt.full_type = dtype::f32;  // the written model must compute exactly as the trained one
    opt.max_steps = 6;
    opt.lr = 3e-3f;
    opt.warmup = 0;
    opt.schedule = lr_schedule::constant;
    opt.eval_every = 0;
    opt.progress = false;
    opt.batching.batch_size = 2;
    opt.batching.max_seq = 64;
    const trainer_result r = trainer_run(*base, data, lora_config{}, opt);
    ASSERT_EQ(r.losses.size(), 6u);
    EXPECT_LT(r.losses.back(), 0.8 * r.losses.front());
    ASSERT_TRUE(fs::exists(opt.out_dir + "/last/model.gguf"));

    // The written model against the weights the checkpoint holds (the same as last/).
    full_weights w = full_weights_from_model(*base);
    adamw_full_state st = adamw_create(w);
    train_cursor cur;
    train_checkpoint_load(opt.out_dir + "/checkpoint", *base, w, st, cur);
    EXPECT_EQ(cur.step, 6);
    EXPECT_EQ(st.step, 6);
    auto trained = full_model_view(*base, w);
    auto written = model_load(opt.out_dir + "/last/model.gguf", true);
    written->matmul = matmul_mode::f32;
    const std::vector<int32_t> tokens = {1, 400, 300, 200, 100};
    const std::vector<float> got = last_logits(*written, tokens), want = last_logits(*trained, tokens);
    expect_close(got.data(), want.data(), want.size(), "logits", 1e-5);
    const std::vector<float> before = last_logits(*base, tokens);
    double moved = 0;
    for (size_t i = 0; i < want.size(); i++) moved = std::max(moved, double(std::fabs(want[i] - before[i])));
    EXPECT_GT(moved, 0.1) << "training left the logits as they were";

    // Resume continues from the checkpoint to the new max_steps.
    opt.resume = true;
    opt.max_steps = 8;
    const trainer_result resumed = trainer_run(*base, data, lora_config{}, opt);
    EXPECT_EQ(resumed.steps, 8);
    EXPECT_EQ(resumed.losses.size(), 2u);
    fs::remove_all(tmp);
}

TEST(FullTrain, RefusesBf16AndALoraCheckpoint) {
    if (!fs::exists(stories_path())) GTEST_SKIP() << "no " << stories_path();
    const std::string tmp = fs::temp_directory_path() / ("clinote_full_refuse_" + std::to_string(::getpid()));
    fs::remove_all(tmp);
    auto base = model_load(stories_path(), true);
    const train_dataset data = story_data(*base);
    trainer_options opt;
    opt.out_dir = tmp + "/run";
    opt.max_steps = 1;
    opt.progress = false;
    opt.full = true;
    opt.base_bf16 = true;
    EXPECT_THROW(trainer_run(*base, data, lora_config{}, opt), error);
    opt.full = false;
    opt.base_bf16 = false;
    trainer_run(*base, data, lora_config{}, opt);  // a LoRA run's checkpoint
    opt.full = true;
    opt.resume = true;
    try {
        trainer_run(*base, data, lora_config{}, opt);
        ADD_FAILURE() << "a LoRA checkpoint resumed as a full fine-tune";
    } catch (const error& e) {
        EXPECT_NE(std::string(e.what()).find("LoRA adapter, not of a full fine-tune"), std::string::npos) << e.what();
    }
    fs::remove_all(tmp);
}

}  // namespace
