// model.bin layout (ctranslate2/specs/model_spec.py, binary version 6): u32 version,
// string spec name, u32 revision, u32 variable count, then per variable: string name, u8 rank,
// u32 dims, u8 dtype, u32 byte count, bytes; then u32 alias count and (alias, target) strings.
// A string is u16 length (with its NUL) and the bytes.
#include "speech/whisper_ct2.h"

#include <nlohmann/json.hpp>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>

#include "core/error.h"
#include "core/file.h"
#include "core/mapped_file.h"
#include "io/safetensors.h"

namespace clinote {

namespace {

struct ct2_variable {
    std::vector<int64_t> shape;
    uint8_t dtype = 0;  // 0 F32, 1 I8, 2 I16, 3 I32, 4 F16, 5 BF16
    const uint8_t* data = nullptr;
    size_t nbytes = 0;
};

struct ct2_reader {
    const mapped_file& f;
    size_t pos = 0;

    void need(size_t n) {
        if (f.size - pos < n) fail(f.path, "truncated at byte " + std::to_string(pos));
    }
    template <typename T>
    T read() {
        need(sizeof(T));
        T v;
        std::memcpy(&v, f.data + pos, sizeof(T));
        pos += sizeof(T);
        return v;
    }
    std::string read_string() {
        const uint16_t n = read<uint16_t>();
        if (n == 0) fail(f.path, "empty string at byte " + std::to_string(pos));
        need(n);
        std::string s(reinterpret_cast<const char*>(f.data + pos), n - 1);
        pos += n;
        return s;
    }
};

std::map<std::string, ct2_variable> ct2_read(const mapped_file& f) {
    ct2_reader r{f};
    const uint32_t version = r.read<uint32_t>();
    if (version < 5 || version > 6) fail(f.path, "CTranslate2 binary version " + std::to_string(version) + " is not supported (5 or 6)");
    const std::string spec = r.read_string();
    if (spec != "WhisperSpec") fail(f.path, "is a " + spec + " model, not Whisper");
    r.read<uint32_t>();  // spec revision
    const uint32_t n = r.read<uint32_t>();
    std::map<std::string, ct2_variable> vars;
    for (uint32_t i = 0; i < n; i++) {
        const std::string name = r.read_string();
        ct2_variable v;
        const uint8_t rank = r.read<uint8_t>();
        for (uint8_t d = 0; d < rank; d++) v.shape.push_back(r.read<uint32_t>());
        v.dtype = r.read<uint8_t>();
        v.nbytes = r.read<uint32_t>();
        r.need(v.nbytes);
        v.data = f.data + r.pos;
        r.pos += v.nbytes;
        vars[name] = v;
    }
    return vars;
}

struct hf_tensors {
    const std::map<std::string, ct2_variable>& vars;
    std::string where;
    std::vector<tensor_view> out;

    const ct2_variable& need(const std::string& name) const {
        const auto it = vars.find(name);
        if (it == vars.end()) fail(where, "missing variable " + name);
        return it->second;
    }
    static dtype float_type(const ct2_variable& v, const std::string& where, const std::string& name) {
        switch (v.dtype) {
            case 0: return dtype::f32;
            case 4: return dtype::f16;
            case 5: return dtype::bf16;
            default:
                fail(where, name + " is not a float tensor (int8 models are not supported: convert with "
                                   "--quantization float16)");
        }
    }
    // Rows [row0, row0 + n_rows) of a CTranslate2 variable, under a Hugging Face name.
    void add_rows(const std::string& hf, const std::string& ct2, int64_t row0, int64_t n_rows) {
        const ct2_variable& v = need(ct2);
        const dtype t = float_type(v, where, ct2);
        if (v.shape.empty() || row0 + n_rows > v.shape[0]) fail(where, ct2 + " has the wrong shape");
        const size_t row_bytes = v.nbytes / size_t(v.shape[0]);
        std::vector<int64_t> shape = v.shape;
        shape[0] = n_rows;
        out.push_back({hf, t, shape, v.data + size_t(row0) * row_bytes, size_t(n_rows) * row_bytes});
    }
    void add(const std::string& hf, const std::string& ct2) { add_rows(hf, ct2, 0, need(ct2).shape.at(0)); }
    void add_linear(const std::string& hf, const std::string& ct2, bool bias = true) {
        add(hf + ".weight", ct2 + "/weight");
        if (bias) add(hf + ".bias", ct2 + "/bias");
    }
    void add_norm(const std::string& hf, const std::string& ct2) {
        add(hf + ".weight", ct2 + "/gamma");
        add(hf + ".bias", ct2 + "/beta");
    }
    // A fused projection's part `i` (of rows d each); k has no bias in Whisper (CTranslate2
    // stores zeros for it).
    void add_part(const std::string& hf, const std::string& ct2, int64_t i, int64_t d, bool bias) {
        add_rows(hf + ".weight", ct2 + "/weight", i * d, d);
        if (bias) add_rows(hf + ".bias", ct2 + "/bias", i * d, d);
    }
    int16_t scalar_i16(const std::string& name) const {
        const ct2_variable& v = need(name);
        if (v.dtype != 2 || v.nbytes != 2) fail(where, name + " is not an int16 scalar");
        int16_t x;
        std::memcpy(&x, v.data, 2);
        return x;
    }
};

int count_layers(const std::map<std::string, ct2_variable>& vars, const std::string& prefix) {
    int n = 0;
    while (vars.count(prefix + "layer_" + std::to_string(n) + "/ffn/linear_0/weight")) n++;
    return n;
}

}  // namespace

whisper_ct2_model whisper_ct2_open(const std::string& ct2_dir) {
    namespace fs = std::filesystem;
    const std::string bin_path = ct2_dir + "/model.bin";
    whisper_ct2_model model;
    model.file = mapped_file(bin_path);
    const std::map<std::string, ct2_variable> vars = ct2_read(model.file);
    hf_tensors w{vars, bin_path, {}};

    const ct2_variable& emb = w.need("decoder/embeddings/weight");
    const ct2_variable& conv1 = w.need("encoder/conv1/weight");
    if (emb.shape.size() != 2 || conv1.shape.size() != 3) fail(bin_path, "unexpected embedding or conv1 shape");
    const int64_t d = emb.shape[1];
    const int n_enc = count_layers(vars, "encoder/"), n_dec = count_layers(vars, "decoder/");
    const int64_t n_ff = w.need("encoder/layer_0/ffn/linear_0/weight").shape.at(0);

    w.add_linear("model.encoder.conv1", "encoder/conv1");
    w.add_linear("model.encoder.conv2", "encoder/conv2");
    w.add("model.encoder.embed_positions.weight", "encoder/position_encodings/encodings");
    // The self-attention (fused q/k/v in CTranslate2) and feed-forward halves of every layer.
    auto self_attention_map = [&](const std::string& hf, const std::string& ct) {
        w.add_norm(hf + "self_attn_layer_norm", ct + "self_attention/layer_norm");
        w.add_part(hf + "self_attn.q_proj", ct + "self_attention/linear_0", 0, d, true);
        w.add_part(hf + "self_attn.k_proj", ct + "self_attention/linear_0", 1, d, false);
        w.add_part(hf + "self_attn.v_proj", ct + "self_attention/linear_0", 2, d, true);
        w.add_linear(hf + "self_attn.out_proj", ct + "self_attention/linear_1");
    };
    auto feed_forward_map = [&](const std::string& hf, const std::string& ct) {
        w.add_norm(hf + "final_layer_norm", ct + "ffn/layer_norm");
        w.add_linear(hf + "fc1", ct + "ffn/linear_0");
        w.add_linear(hf + "fc2", ct + "ffn/linear_1");
    };
    for (int i = 0; i < n_enc; i++) {
        const std::string hf = "model.encoder.layers." + std::to_string(i) + ".", ct = "encoder/layer_" + std::to_string(i) + "/";
        self_attention_map(hf, ct);
        feed_forward_map(hf, ct);
    }
    w.add_norm("model.encoder.layer_norm", "encoder/layer_norm");

    w.add("model.decoder.embed_tokens.weight", "decoder/embeddings/weight");
    w.add("model.decoder.embed_positions.weight", "decoder/position_encodings/encodings");
    for (int i = 0; i < n_dec; i++) {
        const std::string hf = "model.decoder.layers." + std::to_string(i) + ".", ct = "decoder/layer_" + std::to_string(i) + "/";
        self_attention_map(hf, ct);
        w.add_norm(hf + "encoder_attn_layer_norm", ct + "attention/layer_norm");
        w.add_linear(hf + "encoder_attn.q_proj", ct + "attention/linear_0");
        w.add_part(hf + "encoder_attn.k_proj", ct + "attention/linear_1", 0, d, false);
        w.add_part(hf + "encoder_attn.v_proj", ct + "attention/linear_1", 1, d, true);
        w.add_linear(hf + "encoder_attn.out_proj", ct + "attention/linear_2");
        feed_forward_map(hf, ct);
    }
    w.add_norm("model.decoder.layer_norm", "decoder/layer_norm");

    const nlohmann::json config = {
        {"architectures", {"WhisperForConditionalGeneration"}},
        {"model_type", "whisper"},
        {"num_mel_bins", conv1.shape[1]},
        {"vocab_size", emb.shape[0]},
        {"d_model", d},
        {"encoder_layers", n_enc},
        {"decoder_layers", n_dec},
        {"encoder_attention_heads", w.scalar_i16("encoder/num_heads")},
        {"decoder_attention_heads", w.scalar_i16("decoder/num_heads")},
        {"encoder_ffn_dim", n_ff},
        {"decoder_ffn_dim", w.need("decoder/layer_0/ffn/linear_0/weight").shape.at(0)},
        {"max_source_positions", w.need("encoder/position_encodings/encodings").shape.at(0)},
        {"max_target_positions", w.need("decoder/position_encodings/encodings").shape.at(0)},
        {"activation_function", "gelu"},
        {"tie_word_embeddings", true},
    };
    // The suppressed-token lists CTranslate2 keeps in its config.json, under transformers' names.
    const std::string ct2_config_path = ct2_dir + "/config.json";
    nlohmann::json gen = nlohmann::json::object();
    if (fs::exists(ct2_config_path)) {
        nlohmann::json c;
        try {
            c = nlohmann::json::parse(file_read(ct2_config_path));
        } catch (const nlohmann::json::exception& e) {
            fail(ct2_config_path, std::string("invalid JSON: ") + e.what());
        }
        if (c.contains("suppress_ids")) gen["suppress_tokens"] = c["suppress_ids"];
        if (c.contains("suppress_ids_begin")) gen["begin_suppress_tokens"] = c["suppress_ids_begin"];
        if (c.contains("alignment_heads")) gen["alignment_heads"] = c["alignment_heads"];
    }
    model.tensors = std::move(w.out);
    model.config_json = config.dump(2) + "\n";
    model.generation_config_json = gen.dump(2) + "\n";
    return model;
}

void whisper_convert_ct2(const std::string& ct2_dir, const std::string& out_dir) {
    namespace fs = std::filesystem;
    const whisper_ct2_model model = whisper_ct2_open(ct2_dir);
    const std::string tokenizer_path = ct2_dir + "/tokenizer.json";
    if (!fs::exists(tokenizer_path)) fail(tokenizer_path, "missing (the converter copies the model's tokenizer)");
    std::vector<safetensors_writer_tensor> tensors;
    for (const tensor_view& t : model.tensors) tensors.push_back({t.name, t.type, t.shape, t.data, t.nbytes});
    fs::create_directories(out_dir);
    safetensors_write(out_dir + "/model.safetensors", tensors, {{"format", "pt"}});
    std::ofstream(out_dir + "/config.json") << model.config_json;
    std::ofstream(out_dir + "/generation_config.json") << model.generation_config_json;
    fs::copy_file(tokenizer_path, out_dir + "/tokenizer.json", fs::copy_options::overwrite_existing);
}

}  // namespace clinote
