// The training loop end to end: stories260K (a real model) learns a fixed text; a run
// resumed from a checkpoint reproduces the uninterrupted run's losses; bad options and
// output directories are refused before any training.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "core/paths.h"
#include "io/safetensors.h"
#include "model/adapter_qlora.h"
#include "model/model.h"
#include "ops/gemm_bf16.h"
#include "tokenizer/tokenizer.h"
#include "train/trainer.h"

using namespace clinote;
namespace fs = std::filesystem;

namespace {

std::string stories_path() { return shared_dir() + "/models/stories260k/stories260K.gguf"; }

struct temp_dir {
    std::string path;
    explicit temp_dir(const std::string& name)
        : path((fs::temp_directory_path() / ("clinote_train_" + name + "_" + std::to_string(getpid()))).string()) {
        fs::remove_all(path);
    }
    ~temp_dir() { fs::remove_all(path); }
};

// The first 64 tokens of a story, every token after the first scored.
train_example fixed_text(const model& m) {
    const std::string text =
        "Seven purple whales argued about soup, then a tiny robot named Quill painted the moon green. Grandpa "
        "Otto sneezed twice, and forty rubber ducks marched into the library humming loudly about Tuesday.";
    std::vector<int32_t> ids = tokenizer_encode(m.tok, text, true);
    EXPECT_GE(ids.size(), 64u);
    ids.resize(64);
    train_example ex;
    ex.id = "story";
    ex.tokens = ids;
    ex.scored.assign(ids.size(), 1);
    ex.scored[0] = 0;
    return ex;
}

trainer_options quiet_options(const std::string& out) {
    trainer_options t;
    t.out_dir = out;
    t.progress = false;
    return t;
}

TEST(TrainerSlow, Stories260kLearnsAFixedTextWithin200Steps) {
    if (!fs::exists(stories_path())) GTEST_SKIP() << "no " << stories_path();
    auto m = model_load(stories_path());
    train_dataset data;
    data.train.examples = {fixed_text(*m)};
    data.valid.examples = data.train.examples;
    lora_config lora;
    lora.rank = 8;
    lora.alpha = 16;
    lora.dropout = 0.0f;
    temp_dir out("learn");
    trainer_options t = quiet_options(out.path);
    t.max_steps = 200;
    t.lr = 1e-2f;
    t.schedule = lr_schedule::constant;
    t.batching.batch_size = 1;
    t.batching.max_seq = 64;
    t.eval_every = 10;
    t.patience = 0;
    const trainer_result r = trainer_run(*m, data, lora, t);
    ASSERT_FALSE(r.losses.empty());
    EXPECT_GT(r.losses.front(), 1.0);  // the base model does not know the text by heart
    EXPECT_LT(r.best_val_loss, 0.05) << "last train loss " << r.losses.back();
    RecordProperty("steps_to_best", std::to_string(r.best_step));
    for (const char* f : {"config.json", "log.jsonl", "loss.png", "best/adapter_model.safetensors",
                          "last/adapter_config.json", "checkpoint/state.json"})
        EXPECT_TRUE(fs::exists(out.path + "/" + f)) << f;
}

// Several examples of different lengths, so batches, epochs and packing matter.
train_dataset small_dataset(const model& m) {
    const train_example base = fixed_text(m);
    train_dataset data;
    for (int i = 0; i < 6; i++) {
        train_example ex;
        ex.id = "ex" + std::to_string(i);
        const size_t n = size_t(12 + 7 * i);
        ex.tokens.assign(base.tokens.begin() + i, base.tokens.begin() + i + long(n));
        ex.scored.assign(n, 1);
        ex.scored[0] = 0;
        ex.scored[1] = 0;
        (i < 4 ? data.train : data.valid).examples.push_back(ex);
    }
    return data;
}

trainer_options resume_options(const std::string& out) {
    trainer_options t = quiet_options(out);
    t.lr = 5e-3f;
    t.schedule = lr_schedule::constant;  // independent of the total, so a run can be cut in two
    t.warmup = 2;
    t.adamw.weight_decay = 0.01f;
    t.batching.batch_size = 2;
    t.batching.max_seq = 64;
    t.batching.pack = true;
    t.grad_accum = 2;
    t.eval_every = 2;
    t.seed = 11;
    return t;
}

TEST(Trainer, ResumeReproducesTheUninterruptedLosses) {
    if (!fs::exists(stories_path())) GTEST_SKIP() << "no " << stories_path();
    auto m = model_load(stories_path());
    const train_dataset data = small_dataset(*m);
    lora_config lora;
    lora.rank = 4;
    lora.dropout = 0.1f;  // dropout masks must replay too
    lora.train_output = true;

    temp_dir a("full"), b("resumed");
    trainer_options t = resume_options(a.path);
    t.max_steps = 7;  // several epochs: 4 examples packed into rows, 2 micro-batches per step
    const trainer_result full = trainer_run(*m, data, lora, t);
    ASSERT_EQ(full.losses.size(), 7u);

    t.out_dir = b.path;
    t.max_steps = 3;
    const trainer_result first = trainer_run(*m, data, lora, t);
    t.max_steps = 7;
    t.resume = true;
    const trainer_result rest = trainer_run(*m, data, lora, t);
    ASSERT_EQ(first.losses.size() + rest.losses.size(), 7u);
    std::vector<double> joined = first.losses;
    joined.insert(joined.end(), rest.losses.begin(), rest.losses.end());
    for (size_t i = 0; i < 7; i++) EXPECT_DOUBLE_EQ(joined[i], full.losses[i]) << "step " << i + 1;
    EXPECT_DOUBLE_EQ(rest.best_val_loss, full.best_val_loss);

    // The final adapters are the same bytes.
    const std::string fa = a.path + "/last/adapter_model.safetensors", fb = b.path + "/last/adapter_model.safetensors";
    std::ifstream ia(fa, std::ios::binary), ib(fb, std::ios::binary);
    const std::string sa((std::istreambuf_iterator<char>(ia)), {}), sb((std::istreambuf_iterator<char>(ib)), {});
    EXPECT_FALSE(sa.empty());
    EXPECT_EQ(sa, sb);

    // The log has each step once, with no duplicate from the part after the checkpoint.
    std::ifstream log(b.path + "/log.jsonl");
    int steps = 0;
    for (std::string line; std::getline(log, line);) steps += line.find("\"loss\"") != std::string::npos;
    EXPECT_EQ(steps, 7);
}

// The frozen weights in BF16 (AMX, or the scalar reference on other CPUs) train as F32 does,
// to BF16 precision: the first step's loss (same adapter, only the products' rounding differs)
// within 0.5%, later ones (the adapters drift apart at this high learning rate) within 5%,
// the loss falling as much, but not the same numbers.
TEST(Trainer, Bf16BaseFollowsTheF32Losses) {
    if (!fs::exists(stories_path())) GTEST_SKIP() << "no " << stories_path();
    auto m = model_load(stories_path());
    const train_dataset data = small_dataset(*m);
    lora_config lora;
    lora.rank = 4;
    temp_dir a("f32"), b("bf16");
    trainer_options t = resume_options(a.path);
    t.max_steps = 5;
    const trainer_result f32 = trainer_run(*m, data, lora, t);
    t.out_dir = b.path;
    t.base_bf16 = true;
    const trainer_result bf16 = trainer_run(*m, data, lora, t);
    ASSERT_EQ(bf16.losses.size(), f32.losses.size());
    bool differ = false;
    for (size_t i = 0; i < f32.losses.size(); i++) {
        EXPECT_NEAR(bf16.losses[i], f32.losses[i], (i == 0 ? 5e-3 : 5e-2) * f32.losses[i]) << "step " << i + 1;
        differ = differ || bf16.losses[i] != f32.losses[i];
    }
    EXPECT_TRUE(differ) << "the BF16 run gave F32's exact losses: the packing was not used";
    EXPECT_LT(bf16.losses.back(), 0.5 * bf16.losses.front());
    std::ifstream config(b.path + "/config.json");
    EXPECT_EQ(nlohmann::json::parse(config)["matmul"], "bf16");
}

TEST(Trainer, MatmulChoiceNeedsAmxForBf16) {
    const bool amx = bf16_path_supported(bf16_path::amx);
    EXPECT_FALSE(trainer_base_bf16_choose("float", "--matmul"));
    EXPECT_EQ(trainer_base_bf16_choose("auto", "--matmul"), amx);
    EXPECT_FALSE(trainer_base_bf16_choose("auto", "--matmul", true));  // QLoRA asked for the smallest memory
    if (amx) EXPECT_TRUE(trainer_base_bf16_choose("bf16", "--matmul"));
    else EXPECT_THROW(trainer_base_bf16_choose("bf16", "--matmul"), error);
    try {
        trainer_base_bf16_choose("fp8", "--matmul");
        FAIL() << "fp8 accepted";
    } catch (const error& e) {
        EXPECT_NE(std::string(e.what()).find("--matmul"), std::string::npos) << e.what();
    }
}

TEST(Trainer, RefusesBadInputBeforeTraining) {
    if (!fs::exists(stories_path())) GTEST_SKIP() << "no " << stories_path();
    auto m = model_load(stories_path());
    const train_dataset data = small_dataset(*m);
    lora_config lora;
    temp_dir out("bad");
    fs::create_directories(out.path);
    std::ofstream(out.path + "/keep.txt") << "user file";

    trainer_options t = resume_options(out.path);
    t.max_steps = 1;
    try {
        trainer_run(*m, data, lora, t);
        FAIL() << "an existing, non-empty output directory was overwritten without --force";
    } catch (const error& e) {
        EXPECT_NE(std::string(e.what()).find("--force"), std::string::npos) << e.what();
    }
    t.resume = true;
    EXPECT_THROW(trainer_run(*m, data, lora, t), error);  // nothing to resume
    t.resume = false;
    t.force = true;
    t.lr = 0;
    EXPECT_THROW(trainer_run(*m, data, lora, t), error);
    t.lr = 1e-3f;
    t.grad_accum = 0;
    EXPECT_THROW(trainer_run(*m, data, lora, t), error);
    t.grad_accum = 1;
    lora_config bad = lora;
    bad.rank = 0;
    EXPECT_THROW(trainer_run(*m, data, bad, t), error);
    train_dataset empty = data;
    empty.train.examples.clear();
    EXPECT_THROW(trainer_run(*m, empty, lora, t), error);

    // --force replaces the run's files and leaves the user's own alone.
    trainer_run(*m, data, lora, t);
    EXPECT_TRUE(fs::exists(out.path + "/keep.txt"));
    EXPECT_TRUE(fs::exists(out.path + "/checkpoint/state.json"));

    // Resuming with another rank is refused, naming the difference.
    t.resume = true;
    t.max_steps = 2;
    lora_config other = lora;
    other.rank = lora.rank * 2;
    try {
        trainer_run(*m, data, other, t);
        FAIL() << "resumed with a different rank";
    } catch (const error& e) {
        EXPECT_NE(std::string(e.what()).find("rank"), std::string::npos) << e.what();
    }
}

}  // namespace

// The weights the memory estimate adds: stories260K is F32, so every matrix is 4 bytes a value
// (the sizes follow from the config); after NF4 conversion the converted matrices count at
// their NF4 size, the embedding table as stored.
TEST(Trainer, ModelWeightBytesCountsEachMatrixOnce) {
    auto m = model_load(stories_path());
    const model_config& c = m->config;
    const int64_t q_dim = int64_t(c.n_head) * c.head_dim, kv_dim = int64_t(c.n_head_kv) * c.head_dim;
    const int64_t per_layer = c.n_embd * q_dim + 2 * c.n_embd * kv_dim + q_dim * c.n_embd + 3 * int64_t(c.n_embd) * c.n_ff;
    const bool tied = m->output.data == m->tok_embd.data;
    const int64_t expected = 4 * (int64_t(c.n_vocab) * c.n_embd * (tied ? 1 : 2) + c.n_layer * per_layer);
    EXPECT_EQ(model_weight_bytes(*m), expected);
    const nf4_report r = model_quantize_nf4(*m);
    ASSERT_GT(r.converted, 0);
    EXPECT_EQ(model_weight_bytes(*m), expected - int64_t(r.bytes_before) + int64_t(r.bytes_after));
}
