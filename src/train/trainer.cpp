#include "train/trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/error.h"
#include "core/plot.h"
#include "core/progress.h"
#include "ops/gemm_bf16.h"
#include "quant/quant.h"
#include "train/lora_init.h"
#include "train/lora_params.h"
#include "train/train_checkpoint.h"
#include "train/train_model.h"
#include "train/train_random.h"

namespace clinote {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// Set by SIGINT; the loop checkpoints and stops after the step in progress. A signal handler
// can only talk to the loop through a static flag.
volatile std::sig_atomic_t interrupt_requested = 0;
void on_sigint(int) { interrupt_requested = 1; }

struct sigint_scope {
    void (*previous)(int);
    sigint_scope() : previous(std::signal(SIGINT, on_sigint)) { interrupt_requested = 0; }
    ~sigint_scope() { std::signal(SIGINT, previous); }
};

// The files trainer_run writes; --force replaces these and nothing else.
const char* const run_files[] = {"config.json", "log.jsonl", "loss.png", "best",
                                 "last",        "checkpoint", "checkpoint.tmp", "notes"};

void out_dir_prepare(const trainer_options& opt) {
    const fs::path dir(opt.out_dir);
    if (opt.out_dir.empty()) fail("--out", "no output directory given");
    if (opt.resume) {
        if (!fs::exists(dir / "checkpoint" / "state.json"))
            fail(opt.out_dir, "--resume: no checkpoint in this directory (checkpoint/state.json missing)");
        return;
    }
    if (fs::exists(dir)) {
        if (!fs::is_directory(dir)) fail(opt.out_dir, "exists and is not a directory");
        if (!fs::is_empty(dir) && !opt.force)
            fail(opt.out_dir, "already exists and is not empty (pass --force to overwrite, or --resume to continue)");
        for (const char* f : run_files) fs::remove_all(dir / f);
    }
    fs::create_directories(dir);
}

// PEFT's files, and llama.cpp's GGUF LoRA beside them (for `llama-cli --lora`) when the
// adapter has no full embedding / head copies, which GGUF LoRA cannot hold.
void adapter_save(const lora_adapter& a, const model& m, const std::string& dir) {
    lora_adapter_save_peft(a, m, dir);
    if (a.tok_embd.empty() && a.output.empty()) lora_adapter_save_gguf(a, m, dir + "/adapter.gguf");
}

// What a run trains: a LoRA adapter over the frozen model, or (full) every weight, which
// `view` computes with. The loop sees one interface for both.
class trained {
  public:
    trained(const model& base, const lora_config& lora, const trainer_options& opt) : base_(base), opt_(opt) {
        if (!opt.full) {
            adapter_ = lora_adapter_create(base, lora, opt.seed);
            if (opt.init && !opt.resume) adapter_init(lora);
            grads_ = lora_adapter_zeros_like(adapter_);
            adam_ = adamw_create(adapter_);
            return;
        }
        adapter_.layers.resize(base.layers.size());  // no LoRA layers: the plain forward of `view`
        weights_ = full_weights_from_model(base);
        full_grads_ = full_weights_zeros_like(weights_);
        adam_full_ = adamw_create(weights_);
        view_ = full_model_view(base, weights_);
    }

    // The model the run computes with and the adapter over it (none for a full fine-tune).
    const model& computing() const { return opt_.full ? *view_ : base_; }
    const lora_adapter* adapter() const { return opt_.full ? nullptr : &adapter_; }
    const lora_adapter& frozen_adapter() const { return adapter_; }

    int64_t param_count() const {
        int64_t n = 0;
        auto count = [&](std::vector<float>& v, auto...) { n += int64_t(v.size()); };
        if (opt_.full) full_weights_each(const_cast<full_weights&>(weights_), count);
        else lora_adapter_each(const_cast<lora_adapter&>(adapter_), count);
        return n;
    }

    void grads_zero() {
        if (opt_.full) full_weights_fill_zero(full_grads_);
        else lora_adapter_fill_zero(grads_);
    }

    train_loss forward_backward(const train_batch& b, float grad_scale, const train_step_options& so) {
        return opt_.full ? train_forward_backward_full(*view_, b, grad_scale, full_grads_, so)
                         : train_forward_backward(base_, adapter_, b, grad_scale, grads_, so);
    }

    train_loss forward_loss(const train_batch& b, const train_base_bf16* base_bf16) const {
        return train_forward_loss(computing(), adapter_, b, base_bf16);
    }

    double clip(double max_norm) {
        return opt_.full ? grad_clip_global_norm(full_grads_, max_norm) : grad_clip_global_norm(grads_, max_norm);
    }

    void step(float lr) {
        if (!opt_.full) return adamw_step(adam_, adapter_, grads_, opt_.adamw, lr);
        adamw_step(adam_full_, weights_, full_grads_, opt_.adamw, lr);
        full_model_refresh(*view_, weights_);
    }

    // best/ or last/: the PEFT adapter, or the model as GGUF.
    void save(const std::string& dir) const {
        if (!opt_.full) return adapter_save(adapter_, base_, dir);
        fs::create_directories(dir);
        full_weights_write_gguf(base_, weights_, dir + "/model.gguf", opt_.full_type);
    }

    void checkpoint_save(const std::string& dir, const train_cursor& cur) {
        if (opt_.full) train_checkpoint_save(dir, base_, weights_, adam_full_, cur);
        else train_checkpoint_save(dir, base_, adapter_, adam_, cur);
    }

    void checkpoint_load(const std::string& dir, train_cursor& cur) {
        if (!opt_.full) return train_checkpoint_load(dir, base_, adapter_, adam_, cur);
        train_checkpoint_load(dir, base_, weights_, adam_full_, cur);
        full_model_refresh(*view_, weights_);
    }

  private:
    void adapter_init(const lora_config& lora) {
        const lora_config& c = opt_.init->config;
        if (c.rank != lora.rank || c.alpha != lora.alpha || c.rslora != lora.rslora || c.targets != lora.targets ||
            opt_.init->tok_embd.empty() == lora.train_embeddings || opt_.init->output.empty() == lora.train_output)
            fail("--init-adapter", "its rank, alpha, targets or trained copies differ from the run's");
        const float dropout = adapter_.config.dropout;
        adapter_ = *opt_.init;
        adapter_.config.dropout = dropout;  // the run's, not the file's
        lora_adapter_check(adapter_, base_, "--init-adapter");
    }

    const model& base_;
    const trainer_options& opt_;
    lora_adapter adapter_, grads_;
    adamw_state adam_;
    full_weights weights_, full_grads_;
    adamw_full_state adam_full_;
    std::unique_ptr<model> view_;
};

double validation_loss(const trained& t, const std::vector<train_batch>& batches, const train_base_bf16* base_bf16) {
    double sum = 0.0;
    int64_t n = 0;
    for (const train_batch& b : batches) {
        const train_loss l = t.forward_loss(b, base_bf16);
        sum += l.sum;
        n += l.n_scored;
    }
    return n > 0 ? sum / double(n) : std::numeric_limits<double>::quiet_NaN();
}

int64_t batch_tokens(const train_batch& b) { return b.n_batch * b.seq_len; }

// Every step allocates and frees the same large buffers (activations, gradients, logits,
// scratch). glibc serves each block above its mmap threshold with a fresh mapping whose
// pages fault in and are zeroed by the kernel again on every step: ~6% of a step (page
// faults and memset in perf, docs/experiments.md, benchmark history). While training runs, blocks come from the
// heap and freed ones stay there for the next step; afterwards glibc's defaults return,
// and what was kept goes back to the system (a server process lives on after training).
class allocator_reuse_scope {
  public:
    allocator_reuse_scope() {
#if defined(__GLIBC__)
        mallopt(M_MMAP_MAX, 0);
        mallopt(M_TRIM_THRESHOLD, std::numeric_limits<int>::max());
#endif
    }
    ~allocator_reuse_scope() {
#if defined(__GLIBC__)
        mallopt(M_MMAP_MAX, 65536);                 // glibc's default
        mallopt(M_TRIM_THRESHOLD, 128 * 1024);      // glibc's default
        malloc_trim(0);
#endif
    }
    allocator_reuse_scope(const allocator_reuse_scope&) = delete;
    allocator_reuse_scope& operator=(const allocator_reuse_scope&) = delete;
};

// Train and validation loss curves from log.jsonl (which spans resumed runs too).
void loss_plot_write(const std::string& dir, const char* title) {
    plot_series train{"train", {}, {}}, val{"validation", {}, {}};
    std::ifstream in(dir + "/log.jsonl");
    std::string line;
    while (std::getline(in, line)) {
        const json j = json::parse(line, nullptr, false);
        if (j.is_discarded()) continue;
        if (j.contains("loss")) {
            train.x.push_back(j["step"].get<double>());
            train.y.push_back(j["loss"].get<double>());
        } else if (j.contains("val_loss")) {
            val.x.push_back(j["step"].get<double>());
            val.y.push_back(j["val_loss"].get<double>());
        }
    }
    std::vector<plot_series> series;
    if (!train.x.empty()) series.push_back(train);
    if (!val.x.empty()) series.push_back(val);
    if (!series.empty()) plot_lines_png(dir + "/loss.png", title, "step", "cross-entropy", series);
}

std::string mib(int64_t bytes) {
    std::ostringstream s;
    s << (bytes + (1 << 19)) / (1 << 20) << " MiB";
    return s.str();
}

void config_write(const std::string& dir, const lora_config& lora, const trainer_options& opt) {
    json targets = json::array();
    for (lora_target t : lora.targets) targets.push_back(lora_target_name(t));
    const json j = {{"model", opt.model_path},
                    {"full", opt.full},
                    {"full_type", dtype_name(opt.full_type)},
                    {"lora", {{"rank", lora.rank}, {"alpha", lora.alpha}, {"dropout", lora.dropout},
                              {"rslora", lora.rslora}, {"targets", targets},
                              {"train_embeddings", lora.train_embeddings}, {"train_output", lora.train_output}}},
                    {"max_steps", opt.max_steps}, {"epochs", opt.epochs}, {"schedule_steps", opt.schedule_steps},
                    {"lr", opt.lr},
                    {"schedule", lr_schedule_name(opt.schedule)}, {"warmup", opt.warmup},
                    {"weight_decay", opt.adamw.weight_decay}, {"beta1", opt.adamw.beta1}, {"beta2", opt.adamw.beta2},
                    {"eps", opt.adamw.eps}, {"clip", opt.clip}, {"grad_accum", opt.grad_accum},
                    {"batch", opt.batching.batch_size}, {"max_seq", opt.batching.max_seq}, {"pack", opt.batching.pack},
                    {"eval_every", opt.eval_every}, {"patience", opt.patience},
                    {"checkpoint_every", opt.checkpoint_every}, {"checkpoint_layers", opt.checkpoint_layers},
                    {"matmul", opt.base_bf16 ? "bf16" : "float"}, {"seed", opt.seed},
                    {"init_adapter", opt.init != nullptr}};
    std::ofstream(dir + "/config.json") << j.dump(2) << "\n";
}

void options_check(const trainer_options& opt, const train_dataset& data) {
    if (opt.max_steps < 0) fail("--max-steps", "must not be negative");
    if (opt.max_steps == 0 && opt.epochs < 1) fail("--epochs", "must be at least 1");
    if (!(opt.lr > 0)) fail("--lr", "must be positive");
    if (opt.grad_accum < 1) fail("--grad-accum", "must be at least 1");
    if (opt.batching.batch_size < 1) fail("--batch", "must be at least 1");
    if (opt.warmup < 0) fail("--warmup", "must not be negative");
    if (opt.schedule_steps < 0) fail("--schedule-steps", "must not be negative");
    if (opt.eval_every < 0) fail("--eval-every", "must not be negative");
    if (opt.patience < 0) fail("--patience", "must not be negative");
    if (!(opt.adamw.weight_decay >= 0)) fail("--weight-decay", "must not be negative");
    if (data.train.examples.empty()) fail("train.jsonl", "no training example fits --max-seq");
    if (opt.full && opt.base_bf16)
        fail("--matmul", "bf16 packs frozen weights, and a full fine-tune (--full) has none: use float");
    if (opt.full && opt.init) fail("--init-adapter", "not with --full (it trains every weight, not an adapter)");
}

}  // namespace

bool trainer_base_bf16_choose(const std::string& matmul, const std::string& where, bool small_memory) {
    const bool amx = bf16_path_supported(bf16_path::amx);
    if (matmul == "float") return false;
    if (matmul == "auto") return amx && !small_memory;
    if (matmul != "bf16") fail(where, "unknown matmul \"" + matmul + "\" (auto, float or bf16)");
    if (!amx) fail(where, "bf16 needs a CPU with AMX (Intel Sapphire Rapids or later); use float");
    return true;
}

int64_t trainer_memory_estimate(const model& m, const lora_adapter& adapter, int64_t params, int64_t max_batch_tokens,
                                bool checkpoint_layers) {
    train_step_options o;
    o.checkpoint_layers = checkpoint_layers;
    // Parameters, gradients and two AdamW moments, plus the activations of the largest micro-batch.
    return 4 * params * int64_t(sizeof(float)) + train_activation_bytes(m, adapter, max_batch_tokens, o);
}

// The frozen weights as training reads them: the mapped tensors (pages of a GGUF or
// safetensors file that are touched) or the copies made in memory (NF4), each counted once
// (a tied head is the embedding table). Metadata and tokenizer pages are left out; weights
// converted to NF4 count at their NF4 size, since their mapped source pages were released.
int64_t model_weight_bytes(const model& m) {
    std::vector<const void*> seen;
    int64_t bytes = 0;
    auto add = [&](const tensor_view& t) {
        if (!t.data || std::find(seen.begin(), seen.end(), t.data) != seen.end()) return;
        seen.push_back(t.data);
        bytes += int64_t(t.nbytes);
    };
    add(m.tok_embd);
    add(m.output);
    for (const layer_weights& l : m.layers)
        for (const linear_weight* w : {&l.wq, &l.wk, &l.wv, &l.wo, &l.w_gate, &l.w_up, &l.w_down}) add(w->w);
    return bytes;
}

int64_t memory_available_bytes() {
    std::ifstream in("/proc/meminfo");
    std::string key;
    int64_t value = 0;
    std::string unit;
    while (in >> key >> value >> unit)
        if (key == "MemAvailable:") return value * 1024;
    return -1;
}

trainer_result trainer_run(const model& m, const train_dataset& data, const lora_config& lora,
                           const trainer_options& opt) {
    options_check(opt, data);
    out_dir_prepare(opt);
    const std::string dir = opt.out_dir;
    const allocator_reuse_scope reuse_step_buffers;

    trained t(m, lora, opt);
    train_cursor cur;
    cur.best_val_loss = std::numeric_limits<double>::infinity();
    cur.best_note_score = -std::numeric_limits<double>::max();
    if (opt.resume) {
        t.checkpoint_load(dir + "/checkpoint", cur);
        fs::resize_file(dir + "/log.jsonl", uintmax_t(cur.log_bytes));  // drop lines after the checkpoint
    } else {
        config_write(dir, lora, opt);
    }

    std::vector<train_batch> epoch_batches = train_batches_make(data.train.examples, opt.batching, cur.epoch);
    const std::vector<train_batch> val_batches = train_batches_make(data.valid.examples, opt.batching, 0);
    const int64_t steps_per_epoch = (int64_t(epoch_batches.size()) + opt.grad_accum - 1) / opt.grad_accum;
    const int64_t total = opt.max_steps > 0 ? opt.max_steps : opt.epochs * steps_per_epoch;

    int64_t max_tokens = 0;
    for (const train_batch& b : epoch_batches) max_tokens = std::max(max_tokens, batch_tokens(b));
    for (const train_batch& b : val_batches) max_tokens = std::max(max_tokens, batch_tokens(b));
    const lora_adapter& adapter = t.frozen_adapter();
    const int64_t need = trainer_memory_estimate(m, adapter, t.param_count(), max_tokens, opt.checkpoint_layers) +
                         (opt.base_bf16 ? train_base_bf16_bytes(m, adapter) : 0);
    const int64_t model_bytes = model_weight_bytes(m);
    const int64_t available = memory_available_bytes();
    std::fprintf(stderr,
                 "train: %zu examples (%zu batches/epoch), %zu validation; %lld steps; memory estimate %s "
                 "(%s, gradients, AdamW moments, activations of %lld tokens%s) + %s model weights; %s available\n",
                 data.train.examples.size(), epoch_batches.size(), data.valid.examples.size(), (long long)total,
                 mib(need).c_str(), opt.full ? "every weight in F32" : "adapter", (long long)max_tokens, opt.base_bf16 ? ", BF16 copies of the frozen weights" : "",
                 mib(model_bytes).c_str(),
                 available >= 0 ? mib(available).c_str() : "unknown");
    if (available >= 0 && need + model_bytes > available)
        fail("memory", "training needs about " + mib(need + model_bytes) + " but only " + mib(available) +
                           " is available (lower --batch or --max-seq, or use --checkpoint-layers)");

    train_base_bf16 packed;
    if (opt.base_bf16) {
        const auto t0 = std::chrono::steady_clock::now();
        packed = train_base_bf16_pack(m, adapter);
        std::fprintf(stderr, "train: frozen weights packed to BF16 for %s products (%s) in %.1f s\n",
                     bf16_path_name(bf16_path_select()), mib(train_base_bf16_bytes(m, adapter)).c_str(),
                     std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    const train_base_bf16* base_bf16 = opt.base_bf16 ? &packed : nullptr;

    std::ofstream log(dir + "/log.jsonl", std::ios::app);
    auto log_line = [&](const json& j) {
        log << j.dump() << "\n";
        log.flush();
    };
    trainer_result result;
    // Validation loss, and the notes' score when asked; best/ follows the score if there is
    // one, else the loss.
    auto evaluate = [&](int64_t step) {
        if (val_batches.empty() && !opt.score_notes) return;
        bool better = false;
        if (!val_batches.empty()) {
            const double v = validation_loss(t, val_batches, base_bf16);
            result.val_losses.push_back(v);
            log_line({{"step", step}, {"val_loss", v}});
            better = v < cur.best_val_loss;
            if (better) cur.best_val_loss = v;
        }
        if (opt.score_notes) {
            json scored = opt.score_notes(t.computing(), t.adapter());
            const double score = scored.at("score").get<double>();
            if (scored.contains("notes")) {
                fs::create_directories(dir + "/notes");
                std::ofstream(dir + "/notes/step-" + std::to_string(step) + ".json") << scored["notes"].dump(1) << "\n";
            }
            log_line({{"step", step}, {"note_score", score}, {"note_check", scored.value("metrics", json::object())}});
            std::fprintf(stderr, "\ntrain: step %lld: note score %.4f %s\n", (long long)step, score,
                         scored.value("metrics", json::object()).dump().c_str());
            better = score > cur.best_note_score;
            if (better) cur.best_note_score = score;
        }
        if (better) {
            cur.best_step = step;
            cur.bad_evals = 0;
            t.save(dir + "/best");
        } else {
            cur.bad_evals++;
        }
    };
    auto checkpoint = [&]() {
        log.flush();
        cur.log_bytes = int64_t(fs::file_size(dir + "/log.jsonl"));
        t.checkpoint_save(dir + "/checkpoint", cur);
    };

    if (cur.step == 0 && !opt.resume) evaluate(0);  // the base model's loss, the curve's start
    sigint_scope sigint;
    progress_bar bar("train", total - cur.step, "step");
    if (!opt.progress) bar.shown = progress_bar::style::off;
    while (cur.step < total) {
        const auto t0 = std::chrono::steady_clock::now();
        // This step's micro-batches: the next grad_accum of the stream, epochs following each other.
        std::vector<train_batch> group;
        while (int64_t(group.size()) < opt.grad_accum) {
            if (cur.batch_index >= int64_t(epoch_batches.size())) {
                cur.epoch++;
                cur.batch_index = 0;
                epoch_batches = train_batches_make(data.train.examples, opt.batching, cur.epoch);
            }
            group.push_back(epoch_batches[size_t(cur.batch_index++)]);
        }
        int64_t n_scored = 0, n_tokens = 0;
        for (const train_batch& b : group) {
            n_scored += b.n_scored;
            for (uint8_t v : b.valid) n_tokens += v;
        }
        t.grads_zero();
        double loss_sum = 0.0;
        train_step_options so;
        so.checkpoint_layers = opt.checkpoint_layers;
        so.base_bf16 = base_bf16;
        for (const train_batch& b : group) {
            so.dropout_seed = random_stream(opt.seed, 0x64726f70ull + uint64_t(cur.micro++));
            loss_sum += t.forward_backward(b, n_scored > 0 ? 1.0f / float(n_scored) : 0.0f, so).sum;
        }
        const double loss = n_scored > 0 ? loss_sum / double(n_scored) : 0.0;
        const double norm = t.clip(opt.clip);
        const double lr = double(opt.lr) * lr_factor(opt.schedule, cur.step, opt.warmup,
                                                     opt.schedule_steps > 0 ? opt.schedule_steps : total);
        t.step(float(lr));
        cur.step++;
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        const double tps = seconds > 0 ? double(n_tokens) / seconds : 0.0;
        log_line({{"step", cur.step}, {"loss", loss}, {"lr", lr}, {"grad_norm", norm}, {"tokens", n_tokens},
                  {"tokens_per_s", tps}});
        result.losses.push_back(loss);

        const bool last = cur.step == total;
        if ((opt.eval_every > 0 && cur.step % opt.eval_every == 0) || last) evaluate(cur.step);
        char extra[96];
        std::snprintf(extra, sizeof extra, "loss %.4f  %.0f tok/s", loss, tps);
        bar.advance(1, extra);
        if (opt.on_step) opt.on_step(cur.step, total, loss);
        if (opt.patience > 0 && cur.bad_evals >= opt.patience) {
            result.stopped_early = true;
            break;
        }
        if (interrupt_requested || (opt.stop && *opt.stop)) {
            result.interrupted = true;
            break;
        }
        if (opt.checkpoint_every > 0 && cur.step % opt.checkpoint_every == 0 && !last) checkpoint();
    }
    bar.finish();
    checkpoint();
    t.save(dir + "/last");
    loss_plot_write(dir, opt.full ? "Full fine-tune loss" : "LoRA training loss");
    if (result.interrupted)
        std::fprintf(stderr, "train: interrupted at step %lld; checkpoint written, continue with --resume\n",
                     (long long)cur.step);
    if (result.stopped_early)
        std::fprintf(stderr, "train: stopped early at step %lld (%lld validations without improvement)\n",
                     (long long)cur.step, (long long)opt.patience);
    result.steps = cur.step;
    result.best_val_loss = cur.best_val_loss;
    result.best_note_score = cur.best_note_score;
    result.best_step = cur.best_step;
    return result;
}

}  // namespace clinote
