// LoRA adapters the server holds beside its base models, chosen per request as
// "model": "<base>+<name>"; each belongs to the base it was loaded for. Loaded at start (--adapter NAME=PATH) or while serving
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
#include "server/model_host.h"

namespace clinote {

struct adapter_entry {
    std::string name;
    std::string base;  // the base model's id
    std::string path;
    std::shared_ptr<const lora_adapter> adapter;
};

struct adapter_registry {
    std::mutex mu;
    std::map<std::string, adapter_entry> entries;
};

// An adapter name: 1 to 64 letters, digits, '.', '_' or '-', not starting with '.' (it names
// a folder of a training run).
bool adapter_name_valid(const std::string& name);

// Loads path (PEFT directory or GGUF LoRA) for m, the base named base_id, and adds it as
// `name`, replacing an entry of that name. Throws api_error 400 naming the field or file
// when the name is not [A-Za-z0-9._-]+ or the file cannot be loaded for this model.
adapter_entry adapter_registry_load(adapter_registry& r, const model& m, const std::string& base_id,
                                    const std::string& name, const std::string& path);
// False when no adapter has that name.
bool adapter_registry_remove(adapter_registry& r, const std::string& name);
std::vector<adapter_entry> adapter_registry_list(adapter_registry& r);

// {"name", "base", "model", "path", "rank", "alpha", "scale", "targets"}; model is "<base>+<name>".
nlohmann::json adapter_entry_json(const adapter_entry& e);

// What a request's "model" names: a base, and an adapter held for the job's life or none.
struct model_choice {
    size_t base = 0;
    std::string name;  // as the client named it: "<base>" or "<base>+<adapter>"
    std::shared_ptr<const lora_adapter> adapter;
};

// "<base>" or "<base>+<adapter>": 404 naming the unknown base or adapter, 400 when the
// adapter was made for another base.
model_choice model_choice_resolve(const model_host& h, adapter_registry& r, const std::string& requested);
// The default base with the adapter named `adapter` ("" for none), as the scribe API picks.
model_choice model_choice_default(const model_host& h, adapter_registry& r, const std::string& adapter);

}  // namespace clinote
