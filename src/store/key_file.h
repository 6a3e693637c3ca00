// VAULT.key: the small JSON header beside the database that holds the data key wrapped
// (XChaCha20-Poly1305) under a key derived from the passphrase, and optionally a second
// copy wrapped under the recovery key. It never holds anything readable without a key.
// A BLAKE2b checksum over its fields tells a damaged file from a wrong passphrase.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/kdf.h"
#include "store/secret.h"

namespace clinote {

struct key_slot {
    std::vector<unsigned char> nonce;        // 24 bytes
    std::vector<unsigned char> wrapped_key;  // 32-byte data key + 16-byte tag
};

struct key_file {
    std::string vault_id;  // random, hex: binds each wrapped key to this vault
    kdf_params kdf;
    std::vector<unsigned char> salt;  // Argon2id salt of the passphrase slot
    key_slot passphrase;
    std::optional<key_slot> recovery;
};

// Reads and checks a key file: JSON shape, field sizes, checksum, KDF limits.
key_file key_file_read(const std::string& path);
// Writes atomically: a temporary file beside it, fsync, rename over, fsync of the folder.
void key_file_write(const std::string& path, const key_file& kf);

// A new random data key.
secret data_key_generate();

// Fills kf.salt, kf.passphrase (kf.kdf and kf.vault_id must be set).
void key_file_wrap_passphrase(key_file& kf, const secret& data_key, std::string_view passphrase);
// Throws clinote::error "<path>: wrong passphrase" when the passphrase does not open the slot.
secret key_file_unwrap_passphrase(const key_file& kf, std::string_view passphrase, const std::string& path);

// A new random recovery key, wraps the data key under it into kf.recovery, and returns the
// recovery key formatted for a person to write down ("RK-xxxxxxxx-...").
secret key_file_add_recovery(key_file& kf, const secret& data_key);
// Throws "<path>: wrong recovery key" / "<path>: this vault has no recovery key".
secret key_file_unwrap_recovery(const key_file& kf, std::string_view recovery_key, const std::string& path);

}  // namespace clinote
