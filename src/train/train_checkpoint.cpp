#include "train/train_checkpoint.h"

#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/file.h"
#include "io/safetensors.h"
#include "train/lora_params.h"

namespace clinote {

namespace fs = std::filesystem;
using nlohmann::json;

static json config_json(const lora_config& c) {
    json targets = json::array();
    for (lora_target t : c.targets) targets.push_back(lora_target_name(t));
    return {{"rank", c.rank},       {"alpha", c.alpha},
            {"dropout", c.dropout}, {"rslora", c.rslora},
            {"targets", targets},   {"train_embeddings", c.train_embeddings},
            {"train_output", c.train_output}};
}

namespace {

// One tensor of a checkpoint: "param.", "adam_m." or "adam_v." + the parameter's name.
struct checkpoint_tensor {
    std::string name;
    std::vector<int64_t> shape;
    std::vector<float>* values;
};

template <typename Params, typename List>
std::vector<checkpoint_tensor> tensors_of(Params& params, adamw_state_of<Params>& opt, List list) {
    std::vector<checkpoint_tensor> out;
    const std::pair<const char*, Params*> parts[] = {{"param.", &params}, {"adam_m.", &opt.m}, {"adam_v.", &opt.v}};
    for (const auto& [prefix, p] : parts)
        for (const auto& t : list(*p)) out.push_back({prefix + t.name, t.shape, t.values});
    return out;
}

// `kind` is {"lora": config} or {"full": true}: what the checkpoint trained.
void save(const std::string& dir, const json& kind, int64_t adam_step, const std::vector<checkpoint_tensor>& tensors,
          const train_cursor& cursor) {
    const std::string tmp = dir + ".tmp";
    fs::remove_all(tmp);
    fs::create_directories(tmp);
    std::vector<safetensors_writer_tensor> out;
    for (const checkpoint_tensor& t : tensors)
        out.push_back({t.name, dtype::f32, t.shape, t.values->data(), t.values->size() * sizeof(float)});
    safetensors_write(tmp + "/state.safetensors", out);
    json state = kind;
    state.update({{"adam_step", adam_step},
                  {"step", cursor.step},
                  {"epoch", cursor.epoch},
                  {"batch_index", cursor.batch_index},
                  {"micro", cursor.micro},
                  {"best_val_loss", cursor.best_val_loss},
                  {"best_note_score", cursor.best_note_score},
                  {"best_step", cursor.best_step},
                  {"bad_evals", cursor.bad_evals},
                  {"log_bytes", cursor.log_bytes}});
    std::ofstream(tmp + "/state.json") << state.dump(2) << "\n";
    fs::remove_all(dir);
    fs::rename(tmp, dir);
}

// check_kind(state) fails when the checkpoint trained something else than this run.
template <typename CheckKind>
void load(const std::string& dir, CheckKind check_kind, int64_t& adam_step, const std::vector<checkpoint_tensor>& tensors,
          train_cursor& cursor) {
    const std::string state_path = dir + "/state.json";
    if (!fs::exists(state_path)) fail(dir, "no checkpoint here (state.json missing)");
    json state;
    try {
        state = json::parse(file_read_text(state_path));
        check_kind(state, state_path);
        adam_step = state["adam_step"];
        cursor.step = state["step"];
        cursor.epoch = state["epoch"];
        cursor.batch_index = state["batch_index"];
        cursor.micro = state["micro"];
        cursor.best_val_loss = state["best_val_loss"];
        cursor.best_note_score = state.value("best_note_score", -1e300);  // absent before notes were scored
        cursor.best_step = state["best_step"];
        cursor.bad_evals = state["bad_evals"];
        cursor.log_bytes = state["log_bytes"];
    } catch (const json::exception& e) {
        fail(state_path, std::string("malformed checkpoint state: ") + e.what());
    }
    const safetensors_file f = safetensors_open(dir + "/state.safetensors");
    for (const checkpoint_tensor& p : tensors) {
        const tensor_view* t = f.find_tensor(p.name);
        if (!t) fail(dir + "/state.safetensors", "tensor " + p.name + " missing");
        if (t->type != dtype::f32 || t->shape != p.shape)
            fail(dir + "/state.safetensors", "tensor " + p.name + " has the wrong type or shape");
        std::memcpy(p.values->data(), t->data, p.values->size() * sizeof(float));
    }
}

}  // namespace

void train_checkpoint_save(const std::string& dir, const model& m, lora_adapter& adapter, adamw_state& opt,
                           const train_cursor& cursor) {
    save(dir, {{"lora", config_json(adapter.config)}}, opt.step,
         tensors_of(adapter, opt, [&](lora_adapter& a) { return lora_params(a, m); }), cursor);
}

void train_checkpoint_load(const std::string& dir, const model& m, lora_adapter& adapter, adamw_state& opt,
                           train_cursor& cursor) {
    auto check_kind = [&](const json& state, const std::string& where) {
        if (!state.contains("lora")) fail(where, "the checkpoint is of a full fine-tune (--full), not of a LoRA adapter");
        const json want = config_json(adapter.config);
        for (const auto& [key, value] : want.items())
            if (key != "dropout" && state["lora"][key] != value)
                fail(where, "the checkpoint's lora " + key + " is " + state["lora"][key].dump() + ", not " +
                                value.dump() + " as asked");
    };
    load(dir, check_kind, opt.step, tensors_of(adapter, opt, [&](lora_adapter& a) { return lora_params(a, m); }),
         cursor);
}

void train_checkpoint_save(const std::string& dir, const model& m, full_weights& weights, adamw_full_state& opt,
                           const train_cursor& cursor) {
    save(dir, {{"full", true}}, opt.step,
         tensors_of(weights, opt, [&](full_weights& w) { return full_params(w, m); }), cursor);
}

void train_checkpoint_load(const std::string& dir, const model& m, full_weights& weights, adamw_full_state& opt,
                           train_cursor& cursor) {
    auto check_kind = [](const json& state, const std::string& where) {
        if (!state.value("full", false)) fail(where, "the checkpoint is of a LoRA adapter, not of a full fine-tune (--full)");
    };
    load(dir, check_kind, opt.step, tensors_of(weights, opt, [&](full_weights& w) { return full_params(w, m); }),
         cursor);
}

}  // namespace clinote
