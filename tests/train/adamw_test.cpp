// Ten optimiser steps (AdamW, cosine schedule with warmup, 2 accumulated micro-batches,
// global-norm clipping) against PEFT + torch.optim.AdamW: the loss of every step
// (tools/make_train_golden.py), and the schedules against transformers' formulas.
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "train/adamw.h"
#include "train/lora_init.h"
#include "train/lora_params.h"
#include "train/lr_schedule.h"
#include "train/train_golden.h"
#include "train/train_model.h"

using namespace clinote;
using namespace clinote::train_test;

namespace {

class AdamwSteps : public ::testing::TestWithParam<size_t> {};

TEST_P(AdamwSteps, LossesMatchTorch) {
    const nlohmann::json c = golden_json("adamw.json")["cases"][GetParam()];
    auto m = model_load(tiny_model_dir(c["arch"]), false);
    lora_config cfg;
    cfg.rank = c["rank"];
    cfg.alpha = c["alpha"];
    cfg.dropout = 0.0f;
    lora_adapter adapter = lora_adapter_create(*m, cfg, 1);
    adapter_fill_formula(adapter, true);
    std::vector<train_batch> batches;
    for (const auto& b : c["batches"]) batches.push_back(batch_from_json(b));
    adamw_options opt;
    opt.beta1 = c["beta1"];
    opt.beta2 = c["beta2"];
    opt.eps = c["eps"];
    opt.weight_decay = c["weight_decay"];
    adamw_state st = adamw_create(adapter);
    lora_adapter grads = lora_adapter_zeros_like(adapter);
    const int64_t steps = c["steps"], accum = c["grad_accum"], warmup = c["warmup"];
    const auto want_losses = c["losses"].get<std::vector<double>>();
    const auto want_lrs = c["lrs"].get<std::vector<double>>();
    const auto want_norms = c["grad_norms"].get<std::vector<double>>();
    for (int64_t step = 0; step < steps; step++) {
        lora_adapter_fill_zero(grads);
        int64_t n_scored = 0;
        for (int64_t a = 0; a < accum; a++) n_scored += batches[size_t((step * accum + a) % 4)].n_scored;
        double loss = 0.0;
        for (int64_t a = 0; a < accum; a++)
            loss += train_forward_backward(*m, adapter, batches[size_t((step * accum + a) % 4)], 1.0f / float(n_scored),
                                           grads, train_step_options{})
                        .sum;
        loss /= double(n_scored);
        const double norm = grad_clip_global_norm(grads, c["clip"].get<double>());
        const double lr = c["lr"].get<double>() * lr_factor(lr_schedule::cosine, step, warmup, steps);
        EXPECT_NEAR(loss, want_losses[size_t(step)], 1e-4) << "step " << step;
        EXPECT_NEAR(norm, want_norms[size_t(step)], 1e-3 * want_norms[size_t(step)]) << "step " << step;
        EXPECT_NEAR(lr, want_lrs[size_t(step)], 1e-9) << "step " << step;
        adamw_step(st, adapter, grads, opt, float(lr));
    }
}

INSTANTIATE_TEST_SUITE_P(TinyModels, AdamwSteps, ::testing::Values(0, 1));  // llama, gemma3

// transformers.get_{constant,linear,cosine}_schedule_with_warmup(warmup=3, total=10):
// factors at steps 0..10, computed by hand from their definitions.
TEST(LrSchedule, MatchesTransformersFormulas) {
    for (int64_t step = 0; step <= 10; step++) {
        const double warm = step < 3 ? step / 3.0 : 1.0;
        const double progress = (step - 3) / 7.0;
        EXPECT_DOUBLE_EQ(lr_factor(lr_schedule::constant, step, 3, 10), warm);
        EXPECT_NEAR(lr_factor(lr_schedule::linear, step, 3, 10), step < 3 ? warm : (10 - step) / 7.0, 1e-12);
        EXPECT_NEAR(lr_factor(lr_schedule::cosine, step, 3, 10),
                    step < 3 ? warm : 0.5 * (1 + std::cos(3.141592653589793 * progress)), 1e-12);
    }
    EXPECT_NEAR(lr_factor(lr_schedule::cosine, 10, 3, 10), 0.0, 1e-12);
    EXPECT_THROW(lr_schedule_from_name("step"), error);
}

// One AdamW step by hand (torch.optim.AdamW's update for a single value).
TEST(Adamw, OneValueByHand) {
    lora_adapter p;
    p.config.rank = 1;
    p.layers.resize(1);
    p.layers[0][0].a = {0.5f};
    p.layers[0][0].b = {-1.0f};
    lora_adapter g = p;
    g.layers[0][0].a = {0.2f};
    g.layers[0][0].b = {0.0f};
    adamw_state st = adamw_create(p);
    adamw_options opt;
    opt.weight_decay = 0.1f;
    adamw_step(st, p, g, opt, 0.01f);
    // p·(1 - lr·wd) - lr · m̂ / (√v̂ + eps), m̂ = g, v̂ = g² after one step.
    EXPECT_NEAR(p.layers[0][0].a[0], 0.5 * (1 - 0.001) - 0.01 * 0.2 / (0.2 + 1e-8), 1e-7);
    EXPECT_NEAR(p.layers[0][0].b[0], -1.0 * (1 - 0.001), 1e-7);
    EXPECT_NEAR(grad_clip_global_norm(g, 0.1), 0.2, 1e-7);
    EXPECT_NEAR(g.layers[0][0].a[0], 0.2f * 0.1 / (0.2 + 1e-6), 1e-7);
}

}  // namespace
