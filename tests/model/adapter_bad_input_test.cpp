// Bad adapter files: each fails with one error naming the file, the key and the problem.
#include <filesystem>
#include <fstream>
#include <functional>

#include "adapter_test_util.h"
#include "core/error.h"
#include "io/safetensors.h"

using namespace clinote;
using namespace adapter_test;

namespace {

// The message of the clinote::error that f throws ("" if none).
std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const clinote::error& e) {
        return e.what();
    }
    return "";
}

// A copy of the golden llama_lora PEFT directory whose tensors pass through `edit`.
std::string edited_peft(const scratch_dir& tmp, const std::function<void(std::vector<safetensors_writer_tensor>&)>& edit) {
    const std::string dir = tmp / "peft";
    std::filesystem::create_directories(dir);
    std::filesystem::copy_file(golden("llama_lora/peft/adapter_config.json"), dir + "/adapter_config.json");
    const safetensors_file in = safetensors_open(golden("llama_lora/peft/adapter_model.safetensors"));
    std::vector<safetensors_writer_tensor> tensors;
    for (const tensor_view& t : in.tensors) tensors.push_back({t.name, t.type, t.shape, t.data, t.nbytes});
    edit(tensors);
    safetensors_write(dir + "/adapter_model.safetensors", tensors);
    return dir;
}

const std::string q0_a = "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight";

class AdapterBadInput : public ::testing::Test {
protected:
    std::unique_ptr<model> m = model_load(base_model("llama", "hf"), false);
};

TEST_F(AdapterBadInput, MissingPath) {
    EXPECT_NE(error_of([&] { lora_adapter_load("/nonexistent/adapter", *m); }).find("no such file"), std::string::npos);
}

TEST_F(AdapterBadInput, MissingKey) {
    scratch_dir tmp("missing_key");
    const std::string dir = edited_peft(tmp, [](auto& t) {
        t.erase(std::remove_if(t.begin(), t.end(), [](const auto& x) { return x.name == q0_a; }), t.end());
    });
    const std::string e = error_of([&] { lora_adapter_load(dir, *m); });
    EXPECT_NE(e.find("adapter_model.safetensors: missing key " + q0_a), std::string::npos) << e;
}

TEST_F(AdapterBadInput, WrongShape) {
    scratch_dir tmp("wrong_shape");
    const std::string dir = edited_peft(tmp, [](auto& t) {
        for (auto& x : t)
            if (x.name == q0_a) x.shape = {8, 32};  // same bytes, not {r, n_in}
    });
    const std::string e = error_of([&] { lora_adapter_load(dir, *m); });
    EXPECT_NE(e.find("key " + q0_a + " has shape [8, 32], the model needs [4, 64]"), std::string::npos) << e;
}

TEST_F(AdapterBadInput, UnexpectedKey) {
    scratch_dir tmp("unexpected");
    static const float one = 1.0f;
    const std::string dir = edited_peft(tmp, [](auto& t) {
        t.push_back({"base_model.model.model.norm.weight", dtype::f32, {1}, &one, sizeof one});
    });
    const std::string e = error_of([&] { lora_adapter_load(dir, *m); });
    EXPECT_NE(e.find("key base_model.model.model.norm.weight: not a LoRA or modules_to_save tensor"), std::string::npos) << e;
}

TEST_F(AdapterBadInput, CorruptFiles) {
    scratch_dir tmp("corrupt");
    const std::string dir = edited_peft(tmp, [](auto&) {});
    std::filesystem::resize_file(dir + "/adapter_model.safetensors", 100);
    std::string e = error_of([&] { lora_adapter_load(dir, *m); });
    EXPECT_NE(e.find("adapter_model.safetensors"), std::string::npos) << e;

    std::ofstream(dir + "/adapter_config.json") << "{\"r\": 4, ";
    e = error_of([&] { lora_adapter_load(dir, *m); });
    EXPECT_NE(e.find("adapter_config.json: invalid JSON"), std::string::npos) << e;

    std::ofstream(dir + "/adapter_config.json") << R"({"r": 4, "lora_alpha": 8, "target_modules": ["q_proj", "lm_head"]})";
    e = error_of([&] { lora_adapter_load(dir, *m); });
    EXPECT_NE(e.find("\"target_modules\": unsupported module \"lm_head\""), std::string::npos) << e;

    std::ofstream(dir + "/adapter_config.json") << R"({"r": 4, "use_dora": true, "target_modules": ["q_proj"]})";
    e = error_of([&] { lora_adapter_load(dir, *m); });
    EXPECT_NE(e.find("DoRA adapters are not supported"), std::string::npos) << e;

    // An alpha that scales every update into overflow (every output <unk>) is refused.
    std::ofstream(dir + "/adapter_config.json") << R"({"r": 4, "lora_alpha": 1e40, "target_modules": ["q_proj"]})";
    e = error_of([&] { lora_adapter_load(dir, *m); });
    EXPECT_NE(e.find("\"lora_alpha\" must be above 0 and at most 10000"), std::string::npos) << e;
}

TEST_F(AdapterBadInput, AdapterOfAnotherModel) {
    auto gemma = model_load(base_model("gemma3", "hf"), false);
    std::string e = error_of([&] { lora_adapter_load(golden("llama_lora/peft"), *gemma); });
    EXPECT_NE(e.find("has shape"), std::string::npos) << e;
    auto qwen = model_load(base_model("qwen2", "model.gguf"), false);
    e = error_of([&] { lora_adapter_load(golden("llama_lora/adapter.gguf"), *qwen); });
    EXPECT_NE(e.find("general.architecture: adapter for \"llama\", the model is \"qwen2\""), std::string::npos) << e;
    // A model file given as the adapter.
    e = error_of([&] { lora_adapter_load(base_model("llama", "model.gguf"), *m); });
    EXPECT_NE(e.find("not \"adapter\""), std::string::npos) << e;
}

TEST_F(AdapterBadInput, CheckCatchesMismatchedMatrices) {
    lora_adapter a = lora_adapter_load(golden("llama_lora/peft"), *m);
    a.layers[1][size_t(lora_target::down)].b.pop_back();
    const std::string e = error_of([&] { lora_adapter_check(a, *m, "trained"); });
    EXPECT_NE(e.find("trained: layer 1 down_proj lora_B has 255 values, the model needs [64, 4]"), std::string::npos) << e;
}

}  // namespace
