// Shared helpers for the store tests: throwaway vault folders and byte-level file checks.
#pragma once
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "store/vault.h"

namespace clinote::test {

inline const std::string k_pass = "correct horse battery staple";

// A fresh folder under the system temp dir, removed with everything in it at scope exit.
struct temp_dir {
    std::filesystem::path path;
    temp_dir() {
        std::string tmpl = (std::filesystem::temp_directory_path() / "clinote-store-XXXXXX").string();
        path = ::mkdtemp(tmpl.data());
    }
    ~temp_dir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    std::string vault() const { return (path / "vault").string(); }
};

inline vault_ptr make_vault(const std::string& dir, bool recovery = false, secret* rk = nullptr) {
    vault_create_options o;
    o.kdf = kdf_level::min;  // Argon2id's smallest cost: these tests are about the envelope, not the KDF's strength
    o.recovery_key = recovery;
    return vault_create(dir, k_pass, o, {"test"}, rk);
}

inline std::string file_bytes(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

inline void write_bytes(const std::filesystem::path& p, const std::string& bytes) {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << bytes;
}

// Every regular file in a folder, by name, with its bytes.
inline std::map<std::string, std::string> folder_bytes(const std::filesystem::path& dir) {
    std::map<std::string, std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(dir))
        if (e.is_regular_file()) out[e.path().filename().string()] = file_bytes(e.path());
    return out;
}

}  // namespace clinote::test
