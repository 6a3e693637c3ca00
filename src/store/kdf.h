// Passphrase → key-encryption key with Argon2id (libsodium crypto_pwhash). The cost is
// chosen per vault and stored with it, so tests can use a cheap level and users a strong one.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "store/secret.h"

namespace clinote {

enum class kdf_level { min, interactive, moderate, sensitive };

struct kdf_params {
    uint64_t opslimit = 0;
    uint64_t memlimit = 0;  // bytes
};

// libsodium's named limits; `min` is the smallest Argon2id allows and exists for tests only.
kdf_params kdf_params_for(kdf_level level);
// "min" | "interactive" | "moderate" | "sensitive"; throws clinote::error naming `where`.
kdf_level kdf_level_parse(const std::string& name, const std::string& where);
// Throws if the limits are outside what libsodium accepts (a damaged or hostile key file).
void kdf_params_require_valid(const kdf_params& p, const std::string& where);

constexpr size_t k_kdf_salt_bytes = 16;  // crypto_pwhash_SALTBYTES
constexpr size_t k_key_bytes = 32;

// Argon2id13 of the passphrase with the salt; the result is a 32-byte secret.
secret kdf_derive(std::string_view passphrase, const unsigned char* salt, const kdf_params& p);

}  // namespace clinote
