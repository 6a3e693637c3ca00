#include "data/export.h"

#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "notes/prompt.h"

namespace clinote {

std::string export_line(const encounter& e, const note_template& t, const export_options& o) {
    prompt_options po;
    po.target_section = prompt_default_target(e);
    po.entity_tags = o.entity_tags;
    const nlohmann::json messages = prompt_training_messages(e, t, po);
    if (o.format == export_format::messages) return nlohmann::json{{"messages", messages}}.dump();
    const nlohmann::json prompt(messages.begin(), messages.end() - 1);
    return nlohmann::json{{"prompt", prompt}, {"completion", nlohmann::json::array({messages.back()})}}.dump();
}

std::array<size_t, 3> export_chat_jsonl(const std::vector<encounter>& encounters, const split_result& split,
                                        const note_template& t, const export_options& o, const std::string& dir) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) fail(dir, "cannot create directory: " + ec.message());
    const char* names[3] = {"train", "valid", "test"};
    std::ofstream files[3];
    for (int k = 0; k < 3; k++) {
        const std::string path = (std::filesystem::path(dir) / (std::string(names[k]) + ".jsonl")).string();
        files[k].open(path, std::ios::binary);
        if (!files[k]) fail(path, "cannot create");
    }
    std::array<size_t, 3> counts{0, 0, 0};
    for (const auto& e : encounters) {
        auto it = split.split_of.find(e.id);
        if (it == split.split_of.end()) fail("encounter '" + e.id + "'", "not in the splits file (re-run data split)");
        const int k = it->second == "train" ? 0 : it->second == "valid" ? 1 : 2;
        files[k] << export_line(e, t, o) << '\n';
        counts[k]++;
    }
    for (int k = 0; k < 3; k++)
        if (!files[k].flush()) fail((std::filesystem::path(dir) / names[k]).string() + ".jsonl", "write failed");
    return counts;
}

}  // namespace clinote
