// LoRA adapters the server holds beside its one base model, chosen per request as
// "model": "<base>+<name>". Loaded at start (--adapter NAME=PATH) or while serving
// (POST /api/adapters), replaced or removed without a restart. Each entry is shared:
// a job takes its adapter when it is accepted and keeps it until it ends, so replacing or
// removing an adapter never changes a job already queued or running.
#pragma once
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "model/lora_adapter.h"

namespace clinote {

struct adapter_entry {
    std::string name;
    std::string path;
    std::shared_ptr<const lora_adapter> adapter;
};

struct adapter_registry {
    std::mutex mu;
    std::map<std::string, adapter_entry> entries;
};

// Loads path (PEFT directory or GGUF LoRA) for m and adds it as `name`, replacing an entry
// of that name. Throws api_error 400 naming the field or file when the name is not
// [A-Za-z0-9._-]+ or the file cannot be loaded for this model. Returns the new entry.
adapter_entry adapter_registry_load(adapter_registry& r, const model& m, const std::string& name, const std::string& path);
// False when no adapter has that name.
bool adapter_registry_remove(adapter_registry& r, const std::string& name);
std::vector<adapter_entry> adapter_registry_list(adapter_registry& r);

// {"name", "model", "path", "rank", "alpha", "scale", "targets"}; model is "<base_id>+<name>".
nlohmann::json adapter_entry_json(const adapter_entry& e, const std::string& base_id);

// What a request's "model" names: the base (adapter null) or "<base_id>+<name>" with that
// adapter, held for the job's life. 404 naming the model or the adapter otherwise.
std::shared_ptr<const lora_adapter> adapter_for_model(adapter_registry& r, const std::string& base_id,
                                                      const std::string& requested);

}  // namespace clinote
