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

void train_checkpoint_save(const std::string& dir, const model& m, lora_adapter& adapter, adamw_state& opt,
                           const train_cursor& cursor) {
    const std::string tmp = dir + ".tmp";
    fs::remove_all(tmp);
    fs::create_directories(tmp);
    std::vector<safetensors_writer_tensor> tensors;
    const std::pair<const char*, lora_adapter*> parts[] = {{"param.", &adapter}, {"adam_m.", &opt.m}, {"adam_v.", &opt.v}};
    for (const auto& [prefix, a] : parts)
        for (const lora_param& p : lora_params(*a, m))
            tensors.push_back({prefix + p.name, dtype::f32, p.shape, p.values->data(), p.values->size() * sizeof(float)});
    safetensors_write(tmp + "/state.safetensors", tensors);
    const json state = {{"lora", config_json(adapter.config)},
                        {"adam_step", opt.step},
                        {"step", cursor.step},
                        {"epoch", cursor.epoch},
                        {"batch_index", cursor.batch_index},
                        {"micro", cursor.micro},
                        {"best_val_loss", cursor.best_val_loss},
                        {"best_note_score", cursor.best_note_score},
                        {"best_step", cursor.best_step},
                        {"bad_evals", cursor.bad_evals},
                        {"log_bytes", cursor.log_bytes}};
    std::ofstream(tmp + "/state.json") << state.dump(2) << "\n";
    fs::remove_all(dir);
    fs::rename(tmp, dir);
}

void train_checkpoint_load(const std::string& dir, const model& m, lora_adapter& adapter, adamw_state& opt,
                           train_cursor& cursor) {
    const std::string state_path = dir + "/state.json";
    if (!fs::exists(state_path)) fail(dir, "no checkpoint here (state.json missing)");
    json state;
    try {
        state = json::parse(file_read_text(state_path));
        const json want = config_json(adapter.config);
        for (const auto& [key, value] : want.items())
            if (key != "dropout" && state["lora"][key] != value)
                fail(state_path, "the checkpoint's lora " + key + " is " + state["lora"][key].dump() + ", not " +
                                     value.dump() + " as asked");
        opt.step = state["adam_step"];
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
    const std::pair<const char*, lora_adapter*> parts[] = {{"param.", &adapter}, {"adam_m.", &opt.m}, {"adam_v.", &opt.v}};
    for (const auto& [prefix, a] : parts)
        for (const lora_param& p : lora_params(*a, m)) {
            const tensor_view* t = f.find_tensor(prefix + p.name);
            if (!t) fail(dir + "/state.safetensors", "tensor " + std::string(prefix) + p.name + " missing");
            if (t->type != dtype::f32 || t->shape != p.shape)
                fail(dir + "/state.safetensors", "tensor " + std::string(prefix) + p.name + " has the wrong type or shape");
            std::memcpy(p.values->data(), t->data, p.values->size() * sizeof(float));
        }
}

}  // namespace clinote
