// Bad model input: one clear error naming the file and the problem, never a crash.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>

#include "core/error.h"
#include "core/paths.h"
#include "model/model.h"

using namespace clinote;

namespace {

std::string golden(const std::string& rel) { return source_dir() + "/tests/golden/model/" + rel; }

std::string load_error(const std::string& path, bool with_tokenizer = false) {
    try {
        model_load(path, with_tokenizer);
    } catch (const clinote::error& e) {
        return e.what();
    }
    return "";
}

// A copy of the tiny llama GGUF with one metadata value or tensor changed.
std::string rewritten_gguf(const std::string& name, const std::function<void(std::map<std::string, gguf_value>&,
                                                                             std::vector<gguf_writer_tensor>&)>& edit) {
    const gguf_file src = gguf_open(golden("llama/model.gguf"));
    std::map<std::string, gguf_value> meta = src.metadata;
    std::vector<gguf_writer_tensor> tensors;
    for (const tensor_view& t : src.tensors) tensors.push_back({t.name, t.type, t.shape, t.data, t.nbytes});
    edit(meta, tensors);
    const std::string out = (std::filesystem::temp_directory_path() / ("clinote_" + name + ".gguf")).string();
    gguf_write(out, meta, tensors);
    return out;
}

TEST(ModelLoad, MissingPathIsNamed) {
    EXPECT_NE(load_error("/nonexistent/model.gguf").find("/nonexistent/model.gguf"), std::string::npos);
}

TEST(ModelLoad, UnknownArchitectureIsNamed) {
    const std::string path = rewritten_gguf("unknown_arch", [](auto& meta, auto&) {
        meta["general.architecture"] = gguf_string("mamba");
    });
    const std::string err = load_error(path);
    EXPECT_NE(err.find(path), std::string::npos) << err;
    EXPECT_NE(err.find("unsupported architecture \"mamba\""), std::string::npos) << err;
    std::remove(path.c_str());
}

TEST(ModelLoad, MissingTensorIsNamed) {
    const std::string path = rewritten_gguf("missing_tensor", [](auto&, auto& tensors) {
        std::erase_if(tensors, [](const gguf_writer_tensor& t) { return t.name == "blk.1.ffn_up.weight"; });
    });
    EXPECT_NE(load_error(path).find("missing tensor blk.1.ffn_up.weight"), std::string::npos) << load_error(path);
    std::remove(path.c_str());
}

TEST(ModelLoad, TensorWithTheWrongShapeIsNamed) {
    std::vector<float> small(64 * 32, 0.0f);
    const std::string path = rewritten_gguf("wrong_shape", [&](auto&, auto& tensors) {
        for (auto& t : tensors)
            if (t.name == "blk.0.attn_q.weight") t = {t.name, dtype::f32, {32, 64}, small.data(), small.size() * 4};
    });
    const std::string err = load_error(path);
    EXPECT_NE(err.find("blk.0.attn_q.weight has shape [32, 64], expected [64, 64]"), std::string::npos) << err;
    std::remove(path.c_str());
}

TEST(ModelLoad, MissingTokenizerIsNamed) {
    // The tiny HF directory has weights but no tokenizer.json.
    const std::string err = load_error(golden("llama/hf"), true);
    EXPECT_NE(err.find("tokenizer"), std::string::npos) << err;
}

TEST(ModelLoad, BadConfigJsonIsNamed) {
    const auto dir = std::filesystem::temp_directory_path() / "clinote_bad_config";
    std::filesystem::create_directories(dir);
    FILE* f = std::fopen((dir / "config.json").c_str(), "w");
    std::fputs("{\"model_type\": \"llama\", \"hidden_size\": ", f);
    std::fclose(f);
    const std::string err = load_error(dir.string());
    EXPECT_NE(err.find("config.json: invalid JSON"), std::string::npos) << err;
    std::filesystem::remove_all(dir);
}

}  // namespace
