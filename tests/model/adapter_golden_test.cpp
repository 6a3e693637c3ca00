// Adapters against PEFT: logits with an adapter applied without merging, PEFT and GGUF LoRA
// files read and written, merged models. Golden files from tools/make_adapter_golden.py.
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "adapter_test_util.h"
#include "core/error.h"
#include "core/file.h"
#include "core/half.h"
#include "io/gguf.h"
#include "io/safetensors.h"
#include "model/adapter_merge.h"
#include "quant/quant.h"

using namespace clinote;
using namespace adapter_test;

namespace {

struct adapter_case {
    std::string name, arch, base;  // base: "model.gguf" or "hf"
};

class AdapterLogits : public ::testing::TestWithParam<adapter_case> {};

TEST_P(AdapterLogits, MatchPeft) {
    const adapter_case& c = GetParam();
    auto m = model_load(base_model(c.arch, c.base), false);
    const lora_adapter a = lora_adapter_load(golden(c.name + "/peft"), *m);
    const std::vector<float> want = read_f32(golden(c.name + "/logits.f32"));
    EXPECT_LE(max_abs_diff(logits(*m, &a), want), 1e-4);
    // The adapter must matter: the base model's logits are far from the adapted ones.
    EXPECT_GT(max_abs_diff(logits(*m, nullptr), want), 1e-2);
}

INSTANTIATE_TEST_SUITE_P(
    Golden, AdapterLogits,
    ::testing::Values(adapter_case{"llama_lora", "llama", "model.gguf"}, adapter_case{"llama_lora", "llama", "hf"},
                      adapter_case{"llama_modules_to_save", "llama", "model.gguf"},
                      adapter_case{"llama_modules_to_save", "llama", "hf"},
                      adapter_case{"qwen2_rslora", "qwen2", "model.gguf"}, adapter_case{"qwen2_rslora", "qwen2", "hf"},
                      adapter_case{"gemma3_lora", "gemma3", "model.gguf"}, adapter_case{"gemma3_lora", "gemma3", "hf"}),
    [](const auto& info) { return info.param.name + (info.param.base == "hf" ? "_hf" : "_gguf"); });

TEST(AdapterGgufLora, LoadsLlamaCppLayoutIntoBothBases) {
    const std::vector<float> want = read_f32(golden("llama_lora/logits.f32"));
    for (const char* base : {"model.gguf", "hf"}) {
        auto m = model_load(base_model("llama", base), false);
        const lora_adapter a = lora_adapter_load(golden("llama_lora/adapter.gguf"), *m);
        EXPECT_FLOAT_EQ(lora_scale(a.config), 2.0f);
        EXPECT_LE(max_abs_diff(logits(*m, &a), want), 1e-4) << base;
    }
}

// Tensors of two safetensors files: same names, shapes, dtypes and bytes.
void expect_same_tensors(const std::string& got_path, const std::string& want_path) {
    const safetensors_file got = safetensors_open(got_path), want = safetensors_open(want_path);
    ASSERT_EQ(got.tensors.size(), want.tensors.size());
    for (const tensor_view& w : want.tensors) {
        const tensor_view* g = got.find_tensor(w.name);
        ASSERT_NE(g, nullptr) << "missing " << w.name;
        EXPECT_EQ(g->shape, w.shape) << w.name;
        EXPECT_EQ(g->type, w.type) << w.name;
        ASSERT_EQ(g->nbytes, w.nbytes) << w.name;
        EXPECT_EQ(std::memcmp(g->data, w.data, w.nbytes), 0) << w.name;
    }
}

class AdapterPeftSave : public ::testing::TestWithParam<adapter_case> {};

// Read PEFT's file and write it back: the same tensors bit for bit and the config fields
// PEFT reads. With a GGUF Llama base the q/k rows go through llama.cpp's order and back.
TEST_P(AdapterPeftSave, RoundTripsPeftsOwnFiles) {
    const adapter_case& c = GetParam();
    auto m = model_load(base_model(c.arch, c.base), false);
    const lora_adapter a = lora_adapter_load(golden(c.name + "/peft"), *m);
    scratch_dir tmp("peft_" + c.name);
    const char* export_root = std::getenv("CLINOTE_ADAPTER_EXPORT");  // for tools/make_adapter_golden.py --check
    const std::string out = export_root ? std::string(export_root) + "/" + c.name + "/peft" : tmp / "peft";
    lora_adapter_save_peft(a, *m, out);
    expect_same_tensors(out + "/adapter_model.safetensors", golden(c.name + "/peft/adapter_model.safetensors"));

    const auto got = nlohmann::json::parse(file_read(out + "/adapter_config.json"));
    const auto want = nlohmann::json::parse(file_read(golden(c.name + "/peft/adapter_config.json")));
    for (const char* key : {"peft_type", "task_type", "r", "lora_alpha", "use_rslora", "bias", "modules_to_save",
                            "use_dora", "fan_in_fan_out"})
        EXPECT_EQ(got[key], want[key]) << key;
    auto sorted = [](nlohmann::json j) {
        auto v = j.get<std::vector<std::string>>();
        std::sort(v.begin(), v.end());
        return v;
    };
    EXPECT_EQ(sorted(got["target_modules"]), sorted(want["target_modules"]));

    const lora_adapter back = lora_adapter_load(out, *m);
    EXPECT_LE(max_abs_diff(logits(*m, &back), read_f32(golden(c.name + "/logits.f32"))), 1e-4);
}

INSTANTIATE_TEST_SUITE_P(
    Golden, AdapterPeftSave,
    ::testing::Values(adapter_case{"llama_lora", "llama", "model.gguf"},
                      adapter_case{"llama_modules_to_save", "llama", "hf"},
                      adapter_case{"qwen2_rslora", "qwen2", "hf"}, adapter_case{"gemma3_lora", "gemma3", "model.gguf"}),
    [](const auto& info) { return info.param.name + (info.param.base == "hf" ? "_hf" : "_gguf"); });

TEST(AdapterGgufSave, WritesLlamaCppLayout) {
    auto m = model_load(base_model("llama", "hf"), false);
    const lora_adapter a = lora_adapter_load(golden("llama_lora/peft"), *m);
    scratch_dir tmp("gguf_save");
    lora_adapter_save_gguf(a, *m, tmp / "adapter.gguf");
    const gguf_file got = gguf_open(tmp / "adapter.gguf"), want = gguf_open(golden("llama_lora/adapter.gguf"));
    for (const char* key : {"general.architecture", "general.type", "adapter.type"})
        EXPECT_EQ(got.get_string(key), want.get_string(key)) << key;
    EXPECT_EQ(got.get_float("adapter.lora.alpha"), want.get_float("adapter.lora.alpha"));
    ASSERT_EQ(got.tensors.size(), want.tensors.size());
    for (const tensor_view& w : want.tensors) {
        const tensor_view* g = got.find_tensor(w.name);
        ASSERT_NE(g, nullptr) << w.name;
        EXPECT_EQ(g->shape, w.shape) << w.name;
        ASSERT_EQ(g->nbytes, w.nbytes) << w.name;
        EXPECT_EQ(std::memcmp(g->data, w.data, w.nbytes), 0) << w.name;
    }
}

// adapters/ ships F16 files: both formats written in F16 hold each value rounded to F16,
// and give the logits of the adapter rounded to F16 in memory.
TEST(AdapterF16Save, BothFormatsHoldTheF16RoundedValues) {
    auto m = model_load(base_model("llama", "model.gguf"), false);
    const lora_adapter a = lora_adapter_load(golden("llama_lora/peft"), *m);
    scratch_dir tmp("f16_save");
    lora_adapter_save_peft(a, *m, tmp / "peft", dtype::f16);
    lora_adapter_save_gguf(a, *m, tmp / "adapter.gguf", dtype::f16);
    const safetensors_file st = safetensors_open(tmp / "peft/adapter_model.safetensors");
    for (const tensor_view& t : st.tensors) EXPECT_EQ(t.type, dtype::f16) << t.name;
    EXPECT_EQ(gguf_open(tmp / "adapter.gguf").get_int("general.file_type"), 1);
    lora_adapter rounded = a;
    for (auto& layer : rounded.layers)
        for (lora_matrices& lm : layer)
            for (std::vector<float>* v : {&lm.a, &lm.b})
                for (float& x : *v) x = f16_to_f32(f32_to_f16(x));
    const std::vector<float> want_logits = logits(*m, &rounded);
    for (const std::string& path : {tmp / "peft", tmp / "adapter.gguf"}) {
        const lora_adapter back = lora_adapter_load(path, *m);
        size_t compared = 0;
        for (size_t il = 0; il < a.layers.size(); il++)
            for (lora_target t : a.config.targets) {
                const lora_matrices& want = a.layers[il][size_t(t)];
                const lora_matrices& got = back.layers[il][size_t(t)];
                ASSERT_EQ(got.a.size(), want.a.size());
                ASSERT_EQ(got.b.size(), want.b.size());
                for (size_t i = 0; i < want.a.size(); i++) ASSERT_EQ(got.a[i], f16_to_f32(f32_to_f16(want.a[i]))) << path;
                for (size_t i = 0; i < want.b.size(); i++) ASSERT_EQ(got.b[i], f16_to_f32(f32_to_f16(want.b[i]))) << path;
                compared += want.a.size() + want.b.size();
            }
        EXPECT_GT(compared, 1000u);
        EXPECT_LE(max_abs_diff(logits(*m, &back), want_logits), 1e-6) << path;
    }
}

TEST(AdapterGgufSave, RsloraKeepsItsScale) {
    auto m = model_load(base_model("qwen2", "model.gguf"), false);
    const lora_adapter a = lora_adapter_load(golden("qwen2_rslora/peft"), *m);
    scratch_dir tmp("gguf_rslora");
    lora_adapter_save_gguf(a, *m, tmp / "adapter.gguf");
    const lora_adapter back = lora_adapter_load(tmp / "adapter.gguf", *m);
    EXPECT_FLOAT_EQ(lora_scale(back.config), lora_scale(a.config));
    EXPECT_LE(max_abs_diff(logits(*m, &back), read_f32(golden("qwen2_rslora/logits.f32"))), 1e-4);
}

TEST(AdapterGgufSave, RefusesModulesToSave) {
    auto m = model_load(base_model("llama", "hf"), false);
    const lora_adapter a = lora_adapter_load(golden("llama_modules_to_save/peft"), *m);
    scratch_dir tmp("gguf_mts");
    EXPECT_THROW(lora_adapter_save_gguf(a, *m, tmp / "adapter.gguf"), clinote::error);
}

class AdapterMerge : public ::testing::TestWithParam<adapter_case> {};

// The merged model alone gives the adapted logits (F32: exact up to rounding).
TEST_P(AdapterMerge, MergedModelGivesAdaptedLogits) {
    const adapter_case& c = GetParam();
    auto m = model_load(base_model(c.arch, c.base), false);
    const lora_adapter a = lora_adapter_load(golden(c.name + "/peft"), *m);
    scratch_dir tmp("merge_" + c.name);
    const char* export_root = std::getenv("CLINOTE_ADAPTER_EXPORT");
    std::string out;
    if (c.base == "hf") {
        out = export_root ? std::string(export_root) + "/" + c.name + "/merged_hf" : tmp / "merged_hf";
        lora_merge_write_hf(*m, a, out, dtype::f32);
    } else {
        out = tmp / "merged.gguf";
        lora_merge_write_gguf(*m, a, out, dtype::f32);
    }
    auto merged = model_load(out, false);
    EXPECT_LE(max_abs_diff(logits(*merged, nullptr), read_f32(golden(c.name + "/logits.f32"))), 1e-4);
}

INSTANTIATE_TEST_SUITE_P(
    Golden, AdapterMerge,
    ::testing::Values(adapter_case{"llama_lora", "llama", "model.gguf"}, adapter_case{"llama_lora", "llama", "hf"},
                      adapter_case{"llama_modules_to_save", "llama", "model.gguf"},
                      adapter_case{"llama_modules_to_save", "llama", "hf"},
                      adapter_case{"qwen2_rslora", "qwen2", "model.gguf"}, adapter_case{"qwen2_rslora", "qwen2", "hf"},
                      adapter_case{"gemma3_lora", "gemma3", "model.gguf"}, adapter_case{"gemma3_lora", "gemma3", "hf"}),
    [](const auto& info) { return info.param.name + (info.param.base == "hf" ? "_hf" : "_gguf"); });

// Quantised merges: each merged weight is the F32 merge quantised once (not the base's
// quantisation error plus the adapter's), so logits stay close to the adapted ones.
TEST(AdapterMerge, QuantisedMergeStaysClose) {
    auto m = model_load(base_model("llama", "model.gguf"), false);
    const lora_adapter a = lora_adapter_load(golden("llama_lora/peft"), *m);
    const std::vector<float> want = read_f32(golden("llama_lora/logits.f32"));
    const double adapter_effect = max_abs_diff(logits(*m, nullptr), want);
    scratch_dir tmp("merge_quant");
    for (dtype t : {dtype::f16, dtype::q8_0}) {
        lora_merge_write_gguf(*m, a, tmp / "merged.gguf", t);
        auto merged = model_load(tmp / "merged.gguf", false);
        merged->matmul = matmul_mode::f32;  // the merge's error alone, not the int8 matmul's as well
        EXPECT_EQ(merged->layers[0].wq.w.type, t);
        // F16 keeps ~3 significant digits; Q8_0's error on this random model stays a small
        // fraction of what the adapter changes.
        const double diff = max_abs_diff(logits(*merged, nullptr), want);
        if (t == dtype::f16) EXPECT_LE(diff, 2e-2);
        else EXPECT_LE(diff, adapter_effect / 10) << dtype_name(t) << ", the adapter changes logits by " << adapter_effect;
    }
}

}  // namespace
