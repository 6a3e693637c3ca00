// Whisper from a Hugging Face directory in WhisperForConditionalGeneration's tensor names.
#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>

#include "core/error.h"
#include "core/file.h"
#include "core/json_int.h"
#include "quant/quant.h"
#include "speech/whisper_model.h"

namespace clinote {

namespace {

struct weight_source {
    std::map<std::string, const tensor_view*> by_name;
    std::string where;

    const tensor_view& need(const std::string& name, const std::vector<int64_t>& shape) const {
        const auto it = by_name.find(name);
        if (it == by_name.end()) fail(where, "missing tensor " + name);
        const tensor_view* t = it->second;
        if (t->shape != shape)
            fail(where, "tensor " + name + " has shape " + shape_to_string(t->shape) + ", expected " + shape_to_string(shape));
        return *t;
    }
    std::vector<float> f32(const std::string& name, const std::vector<int64_t>& shape) const {
        const tensor_view& t = need(name, shape);
        std::vector<float> out(size_t(t.numel()));
        dequantize_row(t.type, t.data, out.data(), t.numel());
        return out;
    }
    // Whisper's key projections have no bias.
    linear_weight linear(const std::string& base, int64_t n_out, int64_t n_in, bool bias) const {
        linear_weight l;
        l.w = need(base + ".weight", {n_out, n_in});
        if (bias) l.bias = f32(base + ".bias", {n_out});
        return l;
    }
};

template <typename T>
T required(const nlohmann::json& j, const char* key, const std::string& where) {
    if (!j.contains(key)) fail(where, std::string("missing ") + key);
    if (const auto v = json_get<T>(j.at(key))) return *v;
    fail(where, std::string(key) + " has the wrong type");
}

}  // namespace

whisper_config whisper_config_from_hf(const std::string& text, const std::string& where) {
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
        fail(where, std::string("invalid JSON: ") + e.what());
    }
    if (!j.is_object()) fail(where, "not a JSON object");
    whisper_config c;
    c.n_mels = required<int>(j, "num_mel_bins", where);
    c.n_vocab = required<int>(j, "vocab_size", where);
    c.d_model = required<int>(j, "d_model", where);
    c.n_audio_ctx = required<int>(j, "max_source_positions", where);
    c.n_audio_layer = required<int>(j, "encoder_layers", where);
    c.n_audio_head = required<int>(j, "encoder_attention_heads", where);
    c.n_text_ctx = required<int>(j, "max_target_positions", where);
    c.n_text_layer = required<int>(j, "decoder_layers", where);
    c.n_text_head = required<int>(j, "decoder_attention_heads", where);
    c.n_ff_audio = required<int>(j, "encoder_ffn_dim", where);
    c.n_ff_text = required<int>(j, "decoder_ffn_dim", where);
    const std::string act = j.value("activation_function", std::string("gelu"));
    if (act != "gelu") fail(where, "activation_function " + act + " is not supported (only gelu)");
    for (int v : {c.n_mels, c.n_vocab, c.d_model, c.n_audio_ctx, c.n_audio_layer, c.n_audio_head, c.n_text_ctx,
                  c.n_text_layer, c.n_text_head, c.n_ff_audio, c.n_ff_text})
        if (v <= 0) fail(where, "model sizes must be positive");
    if (c.d_model % c.n_audio_head || c.d_model % c.n_text_head)
        fail(where, "d_model is not a multiple of the head count");
    return c;
}

std::unique_ptr<whisper_model> whisper_load(const std::string& dir) {
    namespace fs = std::filesystem;
    if (!fs::is_directory(dir)) fail(dir, "not a Whisper model directory (config.json, model.safetensors, tokenizer.json)");
    auto m = std::make_unique<whisper_model>();
    m->path = dir;
    weight_source src{{}, dir};
    std::string config_text, gen_text, config_path = dir + "/config.json", gen_path = dir + "/generation_config.json";
    if (fs::exists(dir + "/model.bin")) {
        m->ct2 = std::make_unique<whisper_ct2_model>(whisper_ct2_open(dir));
        for (const tensor_view& t : m->ct2->tensors) src.by_name[t.name] = &t;
        src.where = config_path = gen_path = dir + "/model.bin";
        config_text = m->ct2->config_json;
        gen_text = m->ct2->generation_config_json;
    } else {
        m->safetensors = std::make_unique<safetensors_set>(safetensors_open_dir(dir));
        src.by_name = m->safetensors->by_name;
        config_text = file_read(config_path);
        if (fs::exists(gen_path)) gen_text = file_read(gen_path);
    }
    m->config = whisper_config_from_hf(config_text, config_path);
    m->tok = tokenizer_from_hf_dir(dir);
    m->vocab = whisper_vocab_make(m->tok, gen_text, gen_path);
    if (m->tok.n_vocab() > m->config.n_vocab)
        fail(dir + "/tokenizer.json", "has " + std::to_string(m->tok.n_vocab()) + " tokens, the model " +
                                          std::to_string(m->config.n_vocab));
    const whisper_config& c = m->config;
    const int64_t d = c.d_model;

    m->conv1_w = src.need("model.encoder.conv1.weight", {d, c.n_mels, 3});
    m->conv1_b = src.f32("model.encoder.conv1.bias", {d});
    m->conv2_w = src.need("model.encoder.conv2.weight", {d, d, 3});
    m->conv2_b = src.f32("model.encoder.conv2.bias", {d});
    // A convolution is a linear layer over (channel, tap) windows: view the kernel as a matrix.
    m->conv1_w.shape = {d, int64_t(c.n_mels) * 3};
    m->conv2_w.shape = {d, d * 3};
    m->audio_pos = src.f32("model.encoder.embed_positions.weight", {c.n_audio_ctx, d});
    // The self-attention and feed-forward halves of every layer, encoder and decoder alike.
    auto self_attention_load = [&](const std::string& b, auto& l) {
        l.attn_ln_w = src.f32(b + "self_attn_layer_norm.weight", {d});
        l.attn_ln_b = src.f32(b + "self_attn_layer_norm.bias", {d});
        l.q = src.linear(b + "self_attn.q_proj", d, d, true);
        l.k = src.linear(b + "self_attn.k_proj", d, d, false);
        l.v = src.linear(b + "self_attn.v_proj", d, d, true);
        l.o = src.linear(b + "self_attn.out_proj", d, d, true);
    };
    auto feed_forward_load = [&](const std::string& b, int64_t n_ff, auto& l) {
        l.ffn_ln_w = src.f32(b + "final_layer_norm.weight", {d});
        l.ffn_ln_b = src.f32(b + "final_layer_norm.bias", {d});
        l.fc1 = src.linear(b + "fc1", n_ff, d, true);
        l.fc2 = src.linear(b + "fc2", d, n_ff, true);
    };
    for (int i = 0; i < c.n_audio_layer; i++) {
        const std::string b = "model.encoder.layers." + std::to_string(i) + ".";
        whisper_encoder_layer l;
        self_attention_load(b, l);
        feed_forward_load(b, c.n_ff_audio, l);
        m->enc.push_back(std::move(l));
    }
    m->enc_ln_w = src.f32("model.encoder.layer_norm.weight", {d});
    m->enc_ln_b = src.f32("model.encoder.layer_norm.bias", {d});

    m->tok_embd = src.need("model.decoder.embed_tokens.weight", {c.n_vocab, d});
    m->text_pos = src.f32("model.decoder.embed_positions.weight", {c.n_text_ctx, d});
    for (int i = 0; i < c.n_text_layer; i++) {
        const std::string b = "model.decoder.layers." + std::to_string(i) + ".";
        whisper_decoder_layer l;
        self_attention_load(b, l);
        l.cross_ln_w = src.f32(b + "encoder_attn_layer_norm.weight", {d});
        l.cross_ln_b = src.f32(b + "encoder_attn_layer_norm.bias", {d});
        l.cross_q = src.linear(b + "encoder_attn.q_proj", d, d, true);
        l.cross_k = src.linear(b + "encoder_attn.k_proj", d, d, false);
        l.cross_v = src.linear(b + "encoder_attn.v_proj", d, d, true);
        l.cross_o = src.linear(b + "encoder_attn.out_proj", d, d, true);
        feed_forward_load(b, c.n_ff_text, l);
        m->dec.push_back(std::move(l));
    }
    m->dec_ln_w = src.f32("model.decoder.layer_norm.weight", {d});
    m->dec_ln_b = src.f32("model.decoder.layer_norm.bias", {d});
    return m;
}

}  // namespace clinote
