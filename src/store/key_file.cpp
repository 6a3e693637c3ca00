#include "store/key_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>
#include <sodium.h>

#include "core/error.h"
#include "core/json_int.h"

namespace clinote {

namespace {

constexpr const char* k_format = "clinote-vault-key";
constexpr int k_version = 1;
constexpr size_t k_nonce_bytes = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr size_t k_wrapped_bytes = k_key_bytes + crypto_aead_xchacha20poly1305_ietf_ABYTES;
constexpr size_t k_recovery_groups = 8;  // 8 groups of 8 hex digits = 32 bytes

std::string hex_encode(const std::vector<unsigned char>& b) {
    std::string out(b.size() * 2 + 1, '\0');
    sodium_bin2hex(out.data(), out.size(), b.data(), b.size());
    out.pop_back();
    return out;
}

std::vector<unsigned char> hex_decode(const nlohmann::json& j, const std::string& field, size_t n,
                                      const std::string& path) {
    if (!j.is_string()) fail(path, "field '" + field + "' is missing or not a string");
    const std::string s = j.get<std::string>();
    std::vector<unsigned char> out(n);
    size_t got = 0;
    if (s.size() != n * 2 || sodium_hex2bin(out.data(), n, s.data(), s.size(), nullptr, &got, nullptr) != 0 || got != n)
        fail(path, "field '" + field + "' is not " + std::to_string(n) + " bytes of hex");
    return out;
}

// The associated data binds a wrapped key to its vault and slot, so a slot cannot be
// copied from another vault or swapped between passphrase and recovery.
std::string slot_aad(const key_file& kf, const char* slot) {
    return std::string("clinote-vault-key v1|") + kf.vault_id + "|" + slot;
}

key_slot wrap(const secret& data_key, const secret& kek, const std::string& aad) {
    key_slot s;
    s.nonce.resize(k_nonce_bytes);
    randombytes_buf(s.nonce.data(), s.nonce.size());
    s.wrapped_key.resize(k_wrapped_bytes);
    unsigned long long n = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(s.wrapped_key.data(), &n, data_key.data, data_key.size,
                                               reinterpret_cast<const unsigned char*>(aad.data()), aad.size(), nullptr,
                                               s.nonce.data(), kek.data);
    stack_scrub();
    return s;
}

bool unwrap(const key_slot& s, const secret& kek, const std::string& aad, secret& data_key) {
    data_key = secret(k_key_bytes);
    unsigned long long n = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(data_key.data, &n, nullptr, s.wrapped_key.data(),
                                                   s.wrapped_key.size(),
                                                   reinterpret_cast<const unsigned char*>(aad.data()), aad.size(),
                                                   s.nonce.data(), kek.data) != 0) {
        secret_wipe(data_key);
        return false;
    }
    stack_scrub();
    return true;
}

secret recovery_kek(const unsigned char* recovery_key) {
    // The recovery key is 256 random bits, so a keyed hash is enough to derive the
    // wrapping key: there is no low-entropy secret for Argon2 to protect.
    static const char context[] = "clinote recovery key-encryption key";
    secret kek(k_key_bytes);
    crypto_generichash(kek.data, kek.size, reinterpret_cast<const unsigned char*>(context), sizeof(context) - 1,
                       recovery_key, k_key_bytes);
    stack_scrub();
    return kek;
}

nlohmann::json slot_to_json(const key_slot& s) {
    return {{"nonce", hex_encode(s.nonce)}, {"wrapped_key", hex_encode(s.wrapped_key)}};
}

key_slot slot_from_json(const nlohmann::json& j, const std::string& name, const std::string& path) {
    if (!j.is_object()) fail(path, "field '" + name + "' is missing or not an object");
    return {hex_decode(j.value("nonce", nlohmann::json()), name + ".nonce", k_nonce_bytes, path),
            hex_decode(j.value("wrapped_key", nlohmann::json()), name + ".wrapped_key", k_wrapped_bytes, path)};
}

nlohmann::json body_to_json(const key_file& kf) {
    nlohmann::json j = {
        {"format", k_format},
        {"version", k_version},
        {"vault_id", kf.vault_id},
        {"kdf",
         {{"alg", "argon2id13"},
          {"opslimit", kf.kdf.opslimit},
          {"memlimit", kf.kdf.memlimit},
          {"salt", hex_encode(kf.salt)}}},
        {"passphrase_slot", slot_to_json(kf.passphrase)},
    };
    if (kf.recovery) j["recovery_slot"] = slot_to_json(*kf.recovery);
    return j;
}

std::string checksum_of(const nlohmann::json& body) {
    const std::string text = body.dump();  // keys sorted: the same fields give the same text
    std::vector<unsigned char> h(32);
    crypto_generichash(h.data(), h.size(), reinterpret_cast<const unsigned char*>(text.data()), text.size(), nullptr,
                       0);
    return hex_encode(h);
}

void write_all(int fd, const std::string& text, const std::string& path) {
    size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) fail(path, std::string("cannot write: ") + std::strerror(errno));
        done += size_t(n);
    }
}

void fsync_dir(const std::string& dir) {
    const int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY);
    if (fd < 0) fail(dir, std::string("cannot open folder: ") + std::strerror(errno));
    ::fsync(fd);
    ::close(fd);
}

}  // namespace

key_file key_file_read(const std::string& path) {
    sodium_require();
    std::ifstream in(path, std::ios::binary);
    if (!in) fail(path, "cannot open the key file (is this a vault?)");
    std::ostringstream ss;
    ss << in.rdbuf();
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(ss.str());
    } catch (const nlohmann::json::exception&) {
        fail(path, "damaged key file: not valid JSON");
    }
    if (!j.is_object() || j.value("format", "") != k_format) fail(path, "not a clinote vault key file");
    if (!j.contains("checksum") || !j["checksum"].is_string()) fail(path, "damaged key file: no checksum");
    const std::string stored = j["checksum"].get<std::string>();
    j.erase("checksum");
    if (checksum_of(j) != stored) fail(path, "damaged key file: checksum does not match its contents");
    if (json_int_or<int64_t>(j, "version", 0, "key file") != k_version)
        fail(path, "key file version " + j.value("version", nlohmann::json()).dump() + " is not supported");

    key_file kf;
    try {
        kf.vault_id = j.at("vault_id").get<std::string>();
        const auto& kdf = j.at("kdf");
        if (kdf.at("alg").get<std::string>() != "argon2id13") fail(path, "unsupported KDF " + kdf.at("alg").dump());
        kf.kdf.opslimit = json_int<uint64_t>(kdf.at("opslimit"), "kdf.opslimit");
        kf.kdf.memlimit = json_int<uint64_t>(kdf.at("memlimit"), "kdf.memlimit");
        kf.salt = hex_decode(kdf.at("salt"), "kdf.salt", k_kdf_salt_bytes, path);
    } catch (const nlohmann::json::exception& e) {
        fail(path, std::string("damaged key file: ") + e.what());
    }
    kdf_params_require_valid(kf.kdf, path);
    kf.passphrase = slot_from_json(j.value("passphrase_slot", nlohmann::json()), "passphrase_slot", path);
    if (j.contains("recovery_slot")) kf.recovery = slot_from_json(j["recovery_slot"], "recovery_slot", path);
    return kf;
}

void key_file_write(const std::string& path, const key_file& kf) {
    nlohmann::json j = body_to_json(kf);
    j["checksum"] = checksum_of(j);
    const std::string text = j.dump(2) + "\n";
    const std::string tmp = path + ".tmp";
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) fail(tmp, std::string("cannot create: ") + std::strerror(errno));
    try {
        write_all(fd, text, tmp);
        if (::fsync(fd) != 0) fail(tmp, std::string("cannot sync: ") + std::strerror(errno));
    } catch (...) {
        ::close(fd);
        ::unlink(tmp.c_str());
        throw;
    }
    ::close(fd);
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        const int err = errno;
        ::unlink(tmp.c_str());
        fail(path, std::string("cannot replace: ") + std::strerror(err));
    }
    fsync_dir(std::filesystem::path(path).parent_path().string());
}

secret data_key_generate() {
    secret key(k_key_bytes);
    randombytes_buf(key.data, key.size);
    return key;
}

void key_file_wrap_passphrase(key_file& kf, const secret& data_key, std::string_view passphrase) {
    kf.salt.resize(k_kdf_salt_bytes);
    randombytes_buf(kf.salt.data(), kf.salt.size());
    const secret kek = kdf_derive(passphrase, kf.salt.data(), kf.kdf);
    kf.passphrase = wrap(data_key, kek, slot_aad(kf, "passphrase"));
}

secret key_file_unwrap_passphrase(const key_file& kf, std::string_view passphrase, const std::string& path) {
    const secret kek = kdf_derive(passphrase, kf.salt.data(), kf.kdf);
    secret data_key;
    if (!unwrap(kf.passphrase, kek, slot_aad(kf, "passphrase"), data_key)) fail(path, "wrong passphrase");
    return data_key;
}

secret key_file_add_recovery(key_file& kf, const secret& data_key) {
    secret raw(k_key_bytes);
    randombytes_buf(raw.data, raw.size);
    const secret kek = recovery_kek(raw.data);
    kf.recovery = wrap(data_key, kek, slot_aad(kf, "recovery"));

    secret hex(k_key_bytes * 2 + 1);
    sodium_bin2hex(reinterpret_cast<char*>(hex.data), hex.size, raw.data, raw.size);
    secret text(3 + k_recovery_groups * 9 - 1);
    std::memcpy(text.data, "RK-", 3);
    for (size_t g = 0; g < k_recovery_groups; g++) {
        unsigned char* out = text.data + 3 + g * 9;
        std::memcpy(out, hex.data + g * 8, 8);
        if (g + 1 < k_recovery_groups) out[8] = '-';
    }
    return text;
}

secret key_file_unwrap_recovery(const key_file& kf, std::string_view recovery_key, const std::string& path) {
    if (!kf.recovery) fail(path, "this vault has no recovery key");
    // Accept it as written down: any case, with or without the "RK-" prefix, dashes and spaces.
    std::string_view rk = recovery_key;
    if (rk.size() >= 3 && (rk.substr(0, 3) == "RK-" || rk.substr(0, 3) == "rk-")) rk.remove_prefix(3);
    secret hex(rk.size());
    size_t n = 0;
    for (char c : rk)
        if (c != '-' && c != ' ') hex.data[n++] = static_cast<unsigned char>(c);
    secret raw(k_key_bytes);
    size_t got = 0;
    if (n != k_key_bytes * 2 ||
        sodium_hex2bin(raw.data, raw.size, reinterpret_cast<const char*>(hex.data), n, nullptr, &got, nullptr) != 0 ||
        got != k_key_bytes)
        fail(path, "a recovery key is RK- followed by 64 hex digits");
    const secret kek = recovery_kek(raw.data);
    secret data_key;
    if (!unwrap(*kf.recovery, kek, slot_aad(kf, "recovery"), data_key)) fail(path, "wrong recovery key");
    return data_key;
}

}  // namespace clinote
