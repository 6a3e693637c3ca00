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

// Every size in the metadata is checked before use: a zero or negative count, or one that
// does not fit the others, is one error naming the key, never SIGFPE or a huge allocation.
TEST(ModelLoad, ImpossibleHyperParametersAreNamed) {
    const struct {
        const char* key;
        gguf_value value;
        const char* expect;
    } cases[] = {
        {"llama.attention.head_count", gguf_u32(0), "\"llama.attention.head_count\" is 0"},
        {"llama.attention.head_count_kv", gguf_u32(0), "\"llama.attention.head_count_kv\" is 0"},
        {"llama.attention.head_count_kv", gguf_u32(3), "not a multiple of the key/value heads"},
        {"llama.context_length", gguf_u32(0), "\"llama.context_length\" is 0"},
        {"llama.block_count", gguf_u32(0), "\"llama.block_count\" is 0"},
        {"llama.embedding_length", gguf_u32(0), "\"llama.embedding_length\" is 0"},
        {"llama.feed_forward_length", gguf_i32(-5), "\"llama.feed_forward_length\" is -5"},
        {"llama.rope.freq_base", gguf_f32(-1.0f), "non-positive frequency"},
    };
    for (const auto& c : cases) {
        const std::string path = rewritten_gguf("bad_hparam", [&](auto& meta, auto&) { meta[c.key] = c.value; });
        const std::string err = load_error(path);
        EXPECT_NE(err.find(path), std::string::npos) << c.key << ": " << err;
        EXPECT_NE(err.find(c.expect), std::string::npos) << c.key << ": " << err;
        std::remove(path.c_str());
    }
}

TEST(ModelLoad, ImpossibleHfConfigIsNamed) {
    const std::string base =
        R"({"model_type": "llama", "vocab_size": 64, "hidden_size": 32, "num_hidden_layers": 2,
            "intermediate_size": 64, "num_attention_heads": HEADS, "num_key_value_heads": 2})";
    for (const auto& [heads, expect] : std::vector<std::pair<std::string, std::string>>{
             {"0", "\"num_attention_heads\" is 0"}, {"-4", "\"num_attention_heads\" is -4"},
             {"3", "not a multiple of the key/value heads"}}) {
        std::string text = base;
        text.replace(text.find("HEADS"), 5, heads);
        try {
            model_config_from_hf(text, "config.json");
            ADD_FAILURE() << heads << ": accepted";
        } catch (const clinote::error& e) {
            EXPECT_NE(std::string(e.what()).find(expect), std::string::npos) << e.what();
            EXPECT_NE(std::string(e.what()).find("config.json"), std::string::npos) << e.what();
        }
    }
}
