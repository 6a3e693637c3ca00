#include "store/kdf.h"

#include <sodium.h>

#include "core/error.h"

namespace clinote {

static_assert(k_kdf_salt_bytes == crypto_pwhash_SALTBYTES);

kdf_params kdf_params_for(kdf_level level) {
    switch (level) {
        case kdf_level::min: return {crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN};
        case kdf_level::interactive: return {crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE};
        case kdf_level::moderate: return {crypto_pwhash_OPSLIMIT_MODERATE, crypto_pwhash_MEMLIMIT_MODERATE};
        case kdf_level::sensitive: return {crypto_pwhash_OPSLIMIT_SENSITIVE, crypto_pwhash_MEMLIMIT_SENSITIVE};
    }
    return {};
}

kdf_level kdf_level_parse(const std::string& name, const std::string& where) {
    if (name == "min") return kdf_level::min;
    if (name == "interactive") return kdf_level::interactive;
    if (name == "moderate") return kdf_level::moderate;
    if (name == "sensitive") return kdf_level::sensitive;
    fail(where, "unknown KDF level '" + name + "' (use interactive, moderate, sensitive, or min for tests)");
}

void kdf_params_require_valid(const kdf_params& p, const std::string& where) {
    if (p.opslimit < crypto_pwhash_OPSLIMIT_MIN || p.opslimit > crypto_pwhash_OPSLIMIT_MAX)
        fail(where, "Argon2id opslimit " + std::to_string(p.opslimit) + " is out of range");
    // The upper bound is ours, not libsodium's: a key file asking for more than 4 GiB is
    // damaged or hostile, and honouring it would only exhaust memory.
    if (p.memlimit < crypto_pwhash_MEMLIMIT_MIN || p.memlimit > (uint64_t(4) << 30))
        fail(where, "Argon2id memlimit " + std::to_string(p.memlimit) + " is out of range");
}

secret kdf_derive(std::string_view passphrase, const unsigned char* salt, const kdf_params& p) {
    secret key(k_key_bytes);
    if (crypto_pwhash(key.data, key.size, passphrase.data(), passphrase.size(), salt, p.opslimit, size_t(p.memlimit),
                      crypto_pwhash_ALG_ARGON2ID13) != 0)
        fail("Argon2id", "not enough memory for the key derivation (" + std::to_string(p.memlimit >> 20) + " MiB)");
    stack_scrub();
    return key;
}

}  // namespace clinote
