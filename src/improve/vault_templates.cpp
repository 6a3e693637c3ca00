#include "improve/vault_templates.h"

#include "core/error.h"

namespace clinote {

std::vector<note_template> vault_templates(vault& v) {
    std::vector<note_template> out;
    for (const template_record& t : vault_template_list(v)) {
        const nlohmann::json j = nlohmann::json::parse(t.json, nullptr, false);
        try {
            out.push_back(template_from_json(j, "vault template " + t.name));
        } catch (const clinote::error&) {
        }
    }
    return out;
}

}  // namespace clinote
