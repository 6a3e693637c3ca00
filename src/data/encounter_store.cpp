#include "data/encounter_store.h"

#include <fstream>
#include <set>

#include "core/error.h"
#include "data/import_common.h"

namespace clinote {

void encounters_write(const std::string& path, const std::vector<encounter>& encounters) {
    std::ofstream out(path, std::ios::binary);
    if (!out) fail(path, "cannot create");
    for (const auto& e : encounters) out << encounter_to_json(e).dump() << '\n';
    if (!out.flush()) fail(path, "write failed");
}

std::vector<encounter> encounters_read(const std::string& path) {
    import_report r;
    return import_jsonl(path, import_options{on_error::fail}, r);
}

void encounters_append_unique(std::vector<encounter>& all, std::vector<encounter> more, const import_options& o,
                              import_report& r) {
    std::set<std::string> seen;
    for (const auto& e : all) seen.insert(e.id);
    for (auto& e : more) {
        if (!seen.insert(e.id).second) {
            import_reject(o, r, "encounter '" + e.id + "'", "duplicate id (imported twice?)");
            continue;
        }
        all.push_back(std::move(e));
    }
}

}  // namespace clinote
