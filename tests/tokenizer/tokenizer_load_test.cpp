// What the loaders read besides the vocabulary (ids, BOS/EOS policy, end-of-generation tokens,
// chat template), streaming bytes, and the errors for bad input.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/paths.h"
#include "fuzz_regressions.h"
#include "io/gguf.h"
#include "tokenizer/tokenizer.h"

using namespace clinote;
using nlohmann::json;

namespace {

std::string golden_dir() { return source_dir() + "/tests/golden/tokenizer"; }

json read_json(const std::string& path) {
    std::ifstream in(path);
    return json::parse(in);
}

int32_t id_of(const tokenizer& tok, const std::string& text) {
    auto it = tok.token_to_id.find(text);
    return it == tok.token_to_id.end() ? -1 : it->second;
}

// A scratch directory holding a tokenizer.json, removed at the end of the test.
struct scratch_dir {
    std::string path;
    explicit scratch_dir(const std::string& name)
        : path((std::filesystem::temp_directory_path() / ("clinote_tok_" + name + "_" + std::to_string(::getpid()))).string()) {
        std::filesystem::create_directories(path);
    }
    ~scratch_dir() { std::filesystem::remove_all(path); }
    void write(const std::string& file, const std::string& text) const { std::ofstream(path + "/" + file) << text; }
};

// Expects a clinote::error whose message contains each of `parts`.
template <class F>
void expect_error(F&& f, std::initializer_list<std::string> parts) {
    try {
        f();
        ADD_FAILURE() << "no error thrown";
    } catch (const error& e) {
        for (const std::string& p : parts) EXPECT_NE(std::string(e.what()).find(p), std::string::npos) << e.what();
    }
}

// Concatenated streaming bytes, which must decode to what tokenizer_decode gives.
std::string streamed(const tokenizer& tok, const std::vector<int32_t>& ids) {
    std::string out;
    for (int32_t id : ids) out += tokenizer_token_bytes(tok, id);
    return out;
}

}  // namespace

TEST(TokenizerLoad, Llama3Config) {
    const tokenizer tok = tokenizer_from_hf_dir(golden_dir() + "/llama3");
    const json config = read_json(golden_dir() + "/llama3/tokenizer_config.json");
    EXPECT_EQ(tok.kind, tokenizer_kind::byte_bpe);
    EXPECT_EQ(tok.pretokenizer, pretokenizer_kind::llama3);
    EXPECT_TRUE(tok.ignore_merges);
    EXPECT_TRUE(tok.add_bos);
    EXPECT_FALSE(tok.add_eos);
    EXPECT_EQ(tok.bos_id, id_of(tok, "<|begin_of_text|>"));
    EXPECT_EQ(tok.eos_id, id_of(tok, "<|eot_id|>"));
    EXPECT_EQ(tok.bos_token, "<|begin_of_text|>");
    EXPECT_EQ(tok.eos_token, "<|eot_id|>");
    EXPECT_TRUE(tok.is_eog(id_of(tok, "<|eot_id|>")));
    EXPECT_TRUE(tok.is_eog(id_of(tok, "<|end_of_text|>")));
    EXPECT_FALSE(tok.is_eog(id_of(tok, "<|start_header_id|>")));
    EXPECT_EQ(tok.chat_template, config["chat_template"].get<std::string>());
}

TEST(TokenizerLoad, Qwen2Config) {
    const tokenizer tok = tokenizer_from_hf_dir(golden_dir() + "/qwen2");
    EXPECT_EQ(tok.pretokenizer, pretokenizer_kind::qwen2);
    EXPECT_TRUE(tok.nfc);
    EXPECT_FALSE(tok.add_bos);
    EXPECT_EQ(tok.bos_id, -1);
    EXPECT_EQ(tok.eos_id, id_of(tok, "<|im_end|>"));
    EXPECT_EQ(tok.pad_id, id_of(tok, "<|endoftext|>"));
    EXPECT_TRUE(tok.is_eog(id_of(tok, "<|endoftext|>")));
    EXPECT_FALSE(tok.is_eog(id_of(tok, "<|im_start|>")));
}

TEST(TokenizerLoad, SentencePieceConfigs) {
    const tokenizer llama2 = tokenizer_from_hf_dir(golden_dir() + "/llama2");
    EXPECT_EQ(llama2.kind, tokenizer_kind::sentencepiece_bpe);
    EXPECT_TRUE(llama2.add_space_prefix);
    EXPECT_TRUE(llama2.decode_strip_space);
    EXPECT_TRUE(llama2.add_bos);
    EXPECT_EQ(llama2.bos_id, 1);
    EXPECT_EQ(llama2.eos_id, 2);
    EXPECT_EQ(llama2.unk_id, 0);
    const tokenizer gemma = tokenizer_from_hf_dir(golden_dir() + "/gemma");
    EXPECT_FALSE(gemma.add_space_prefix);
    EXPECT_FALSE(gemma.decode_strip_space);
    EXPECT_EQ(gemma.bos_id, id_of(gemma, "<bos>"));
    EXPECT_TRUE(gemma.is_eog(id_of(gemma, "<end_of_turn>")));
    EXPECT_TRUE(gemma.is_eog(id_of(gemma, "<eos>")));
}

TEST(TokenizerLoad, Stories260kGguf) {
    const std::string path = shared_dir() + "/models/stories260k/stories260K.gguf";
    if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " not found";
    const tokenizer tok = tokenizer_from_gguf(gguf_open(path));
    EXPECT_EQ(tok.kind, tokenizer_kind::sentencepiece_bpe);
    EXPECT_EQ(tok.n_vocab(), 512);
    EXPECT_TRUE(tok.add_bos);
    EXPECT_TRUE(tok.add_space_prefix);
    EXPECT_EQ(tok.bos_id, 1);
    EXPECT_EQ(tok.eos_id, 2);
    EXPECT_EQ(tok.pad_id, -1);  // stored as 0xFFFFFFFF
    EXPECT_EQ(tok.bos_token, "<s>");
    // Streaming: the pieces give the text with SentencePiece's leading space.
    const std::string text = "Once upon a time, a little girl named Lily found a shiny red ball. \xC3\xA9\xF0\x9F\x98\x80";
    const auto ids = tokenizer_encode(tok, text, false);
    EXPECT_EQ(streamed(tok, ids), " " + text);
    EXPECT_EQ(tokenizer_decode(tok, ids), text);
}

TEST(TokenizerLoad, SmolLM2DefaultModel) {
    const std::string path = source_dir() + "/models/SmolLM2-135M-Instruct.Q4_1.gguf";
    if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " not found (the default model)";
    const tokenizer tok = tokenizer_from_gguf(gguf_open(path));
    EXPECT_EQ(tok.pretokenizer, pretokenizer_kind::gpt2_digits);
    EXPECT_EQ(tok.n_vocab(), 49152);
    EXPECT_FALSE(tok.add_bos);
    EXPECT_EQ(tok.bos_id, 1);
    EXPECT_EQ(tok.eos_id, 2);
    EXPECT_EQ(tok.bos_token, "<|im_start|>");
    EXPECT_EQ(tok.eos_token, "<|im_end|>");
    EXPECT_TRUE(tok.is_eog(2));
    EXPECT_TRUE(tok.is_eog(0));  // <|endoftext|>
    EXPECT_FALSE(tok.is_eog(1));
    EXPECT_EQ(tok.added.size(), 17u);
    EXPECT_EQ(tok.chat_template.rfind("{% for message in messages %}", 0), 0u);
    const std::string text = "Doctor: How old are you?\nPatient: I'm twenty six. \xE2\x9C\x85 caf\xC3\xA9";
    const auto ids = tokenizer_encode(tok, text, true);
    EXPECT_EQ(streamed(tok, ids), text);
}

TEST(TokenizerLoad, StreamingBytesSplitCharacters) {
    const tokenizer tok = tokenizer_from_hf_dir(golden_dir() + "/llama3");
    const std::string text = "\xE4\xBD\xA0\xE5\xA5\xBD \xF0\x9F\x91\xA8\xE2\x80\x8D\xF0\x9F\x91\xA9 x";
    const auto ids = tokenizer_encode(tok, text, false);
    EXPECT_GT(ids.size(), 4u);  // the small vocabulary spells these out byte by byte
    EXPECT_EQ(streamed(tok, ids), text);
    const std::vector<int32_t> half(ids.begin(), ids.begin() + 1);
    EXPECT_EQ(tokenizer_token_bytes(tok, ids[0]).size(), 1u);
    EXPECT_EQ(tokenizer_decode(tok, half), "\xEF\xBF\xBD");  // a lone lead byte decodes to U+FFFD
}

TEST(TokenizerLoad, InvalidUtf8InputIsAnError) {
    const tokenizer tok = tokenizer_from_hf_dir(golden_dir() + "/qwen2");
    expect_error([&] { tokenizer_encode(tok, "ok \xC3\x28 bad", true); }, {"tokenizer input", "UTF-8", "byte offset 3"});
    expect_error([&] { tokenizer_decode(tok, {tok.n_vocab()}); }, {"outside the vocabulary"});
    expect_error([&] { tokenizer_token_bytes(tok, -1); }, {"outside the vocabulary"});
}

TEST(TokenizerLoad, BadTokenizerJsonIsAnError) {
    scratch_dir dir("bad");
    expect_error([&] { tokenizer_from_hf_dir(dir.path); }, {dir.path + "/tokenizer.json", "cannot open"});
    dir.write("tokenizer.json", "{\"model\": ");
    expect_error([&] { tokenizer_from_hf_dir(dir.path); }, {dir.path + "/tokenizer.json", "invalid JSON"});

    json good = read_json(golden_dir() + "/llama3/tokenizer.json");
    json j = good;
    j["pre_tokenizer"]["pretokenizers"][0]["pattern"]["Regex"] = "\\s+";
    dir.write("tokenizer.json", j.dump());
    expect_error([&] { tokenizer_from_hf_dir(dir.path); }, {"pre_tokenizer", "unsupported Split regex"});
    j = good;
    j["model"]["type"] = "WordPiece";
    dir.write("tokenizer.json", j.dump());
    expect_error([&] { tokenizer_from_hf_dir(dir.path); }, {"model.type", "WordPiece"});
    j = good;
    j["model"]["merges"].push_back("nosuch token");
    dir.write("tokenizer.json", j.dump());
    expect_error([&] { tokenizer_from_hf_dir(dir.path); }, {"tokenizer.json", "not in the vocabulary"});
    j = good;
    j["added_tokens"][0]["single_word"] = true;
    dir.write("tokenizer.json", j.dump());
    expect_error([&] { tokenizer_from_hf_dir(dir.path); }, {"added_tokens", "single_word"});
    j = good;
    j.erase("model");
    dir.write("tokenizer.json", j.dump());
    expect_error([&] { tokenizer_from_hf_dir(dir.path); }, {"tokenizer.json", "unexpected structure"});
}

// tokenizer.json files fuzz/hf_tokenizer.cpp found reading past what they hold (a missing
// pre_tokenizer, an empty Sequence) or converting a number that does not fit an id (2.2e98):
// each is refused with an error naming the file.
TEST(TokenizerLoad, FuzzRegressionsAreRefusedNamingTheFile) {
    scratch_dir dir("fuzzed");
    const auto inputs = test::fuzz_regressions("hf_tokenizer");
    ASSERT_FALSE(inputs.empty());
    for (const std::string& input : inputs) {
        std::filesystem::copy_file(input, dir.path + "/tokenizer.json", std::filesystem::copy_options::overwrite_existing);
        expect_error([&] { tokenizer_from_hf_dir(dir.path); }, {dir.path + "/tokenizer.json"});
    }
}

TEST(TokenizerLoad, BadGgufMetadataIsAnError) {
    scratch_dir dir("gguf");
    const std::string path = dir.path + "/t.gguf";
    std::map<std::string, gguf_value> meta;
    meta["tokenizer.ggml.model"] = gguf_string("bert");
    meta["tokenizer.ggml.tokens"] = gguf_string_array({"a", "b", "ab"});
    gguf_write(path, meta, {});
    expect_error([&] { tokenizer_from_gguf(gguf_open(path)); }, {"tokenizer.ggml.model", "bert"});

    meta["tokenizer.ggml.model"] = gguf_string("gpt2");
    meta["tokenizer.ggml.pre"] = gguf_string("mystery");
    meta["tokenizer.ggml.merges"] = gguf_string_array({"a b"});
    gguf_write(path, meta, {});
    expect_error([&] { tokenizer_from_gguf(gguf_open(path)); }, {"tokenizer.ggml.pre", "mystery"});

    meta["tokenizer.ggml.pre"] = gguf_string("qwen2");
    meta["tokenizer.ggml.eos_token_id"] = gguf_u32(7);
    gguf_write(path, meta, {});
    expect_error([&] { tokenizer_from_gguf(gguf_open(path)); }, {"eos id 7", "outside the vocabulary"});

    meta["tokenizer.ggml.eos_token_id"] = gguf_u32(2);
    meta["tokenizer.ggml.model"] = gguf_string("llama");
    meta["tokenizer.ggml.scores"] = gguf_string_array({"x"});
    gguf_write(path, meta, {});
    expect_error([&] { tokenizer_from_gguf(gguf_open(path)); }, {"tokenizer.ggml.scores"});
}
