// An adapter as one byte string, for a store that keeps it as a blob (the vault's adapter
// versions): "CLLA", the header's length (u32, little-endian), a JSON header with the config
// and every array's length, then the arrays as F32 in that order. Row order is the loaded
// model's, so a blob fits the base it was trained on (checked when it is read back).
#include <cstring>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "model/lora_adapter.h"

namespace clinote {

namespace {

constexpr char k_magic[4] = {'C', 'L', 'L', 'A'};

// Every array of the adapter in a fixed order: per layer, per target, A then B; then the copies.
template <typename Adapter, typename Visit>
void arrays_visit(Adapter& a, Visit visit) {
    for (auto& layer : a.layers)
        for (auto& mats : layer) {
            visit(mats.a);
            visit(mats.b);
        }
    visit(a.tok_embd);
    visit(a.output);
}

}  // namespace

std::vector<unsigned char> lora_adapter_to_bytes(const lora_adapter& a) {
    nlohmann::json targets = nlohmann::json::array(), lengths = nlohmann::json::array();
    for (lora_target t : a.config.targets) targets.push_back(lora_target_name(t));
    arrays_visit(a, [&](const std::vector<float>& v) { lengths.push_back(v.size()); });
    const std::string header = nlohmann::json{{"rank", a.config.rank},
                                              {"alpha", a.config.alpha},
                                              {"dropout", a.config.dropout},
                                              {"rslora", a.config.rslora},
                                              {"targets", targets},
                                              {"train_embeddings", a.config.train_embeddings},
                                              {"train_output", a.config.train_output},
                                              {"n_layer", a.layers.size()},
                                              {"lengths", lengths}}
                                   .dump();
    std::vector<unsigned char> out(k_magic, k_magic + 4);
    const uint32_t n = uint32_t(header.size());
    for (int i = 0; i < 4; i++) out.push_back((unsigned char)(n >> (8 * i)));
    out.insert(out.end(), header.begin(), header.end());
    arrays_visit(a, [&](const std::vector<float>& v) {
        if (v.empty()) return;  // no data pointer to offset
        const auto* p = reinterpret_cast<const unsigned char*>(v.data());
        out.insert(out.end(), p, p + v.size() * sizeof(float));
    });
    return out;
}

lora_adapter lora_adapter_from_bytes(const std::vector<unsigned char>& bytes, const model& m, const std::string& where) {
    if (bytes.size() < 8 || std::memcmp(bytes.data(), k_magic, 4) != 0) fail(where, "not a stored clinote adapter");
    uint32_t n = 0;
    for (int i = 0; i < 4; i++) n |= uint32_t(bytes[4 + size_t(i)]) << (8 * i);
    if (bytes.size() - 8 < n) fail(where, "stored adapter is cut short (header)");
    const nlohmann::json h = nlohmann::json::parse(bytes.begin() + 8, bytes.begin() + 8 + n, nullptr, false);
    if (h.is_discarded() || !h.is_object()) fail(where, "stored adapter header does not parse");
    lora_adapter a;
    try {
        a.config.rank = h.at("rank").get<int>();
        a.config.alpha = h.at("alpha").get<float>();
        a.config.dropout = h.at("dropout").get<float>();
        a.config.rslora = h.at("rslora").get<bool>();
        a.config.train_embeddings = h.at("train_embeddings").get<bool>();
        a.config.train_output = h.at("train_output").get<bool>();
        a.config.targets.clear();
        for (const auto& name : h.at("targets")) {
            int found = -1;
            for (int t = 0; t < lora_target_count; t++)
                if (name == lora_target_name(lora_target(t))) found = t;
            if (found < 0) fail(where, "stored adapter names an unknown layer " + name.dump());
            a.config.targets.push_back(lora_target(found));
        }
        a.layers.resize(h.at("n_layer").get<size_t>());
        const nlohmann::json& lengths = h.at("lengths");
        size_t i = 0, offset = 8 + n;
        arrays_visit(a, [&](std::vector<float>& v) {
            if (i >= lengths.size()) fail(where, "stored adapter header lists too few arrays");
            const size_t count = lengths[i++].get<size_t>();
            if ((bytes.size() - offset) / sizeof(float) < count) fail(where, "stored adapter is cut short (weights)");
            v.resize(count);
            if (count > 0) std::memcpy(v.data(), bytes.data() + offset, count * sizeof(float));  // an empty one has no data pointer
            offset += count * sizeof(float);
        });
        if (i != lengths.size() || offset != bytes.size()) fail(where, "stored adapter has arrays its header does not list");
    } catch (const nlohmann::json::exception& e) {
        fail(where, std::string("stored adapter header: ") + e.what());
    }
    lora_adapter_check(a, m, where);
    return a;
}

}  // namespace clinote
