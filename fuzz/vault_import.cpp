// An archive → vault_import_archive into a vault made once. An input starting with the
// archive magic is the whole file (header parsing); any other input is the decrypted
// payload, sealed here under the archive's own scheme so the import reaches its JSON.
#include <sodium.h>

#include <cstring>
#include <nlohmann/json.hpp>
#include <string>

#include "core/error.h"
#include "fuzz_file.h"
#include "store/kdf.h"
#include "store/vault.h"

namespace {

const char* k_pass = "fuzzing passphrase";

std::string sealed(const uint8_t* data, size_t size) {
    static const clinote::kdf_params kdf = clinote::kdf_params_for(clinote::kdf_level::min);
    static const unsigned char salt[clinote::k_kdf_salt_bytes] = {};
    static const unsigned char nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES] = {};
    static const clinote::secret key = clinote::kdf_derive(k_pass, salt, kdf);
    const nlohmann::json header = {
        {"kdf", {{"alg", "argon2id13"}, {"opslimit", kdf.opslimit}, {"memlimit", kdf.memlimit},
                 {"salt", std::string(2 * sizeof salt, '0')}}},
        {"nonce", std::string(2 * sizeof nonce, '0')}};
    const std::string head = "clinote-archive 1\n" + header.dump() + "\n";
    std::string out = head;
    out.resize(head.size() + size + crypto_aead_xchacha20poly1305_ietf_ABYTES);
    unsigned long long n = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(reinterpret_cast<unsigned char*>(out.data() + head.size()), &n, data,
                                               size, reinterpret_cast<const unsigned char*>(head.data()), head.size(),
                                               nullptr, nonce, key.data);
    return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static clinote::vault_ptr v = [] {
        clinote::vault_create_options o;
        o.kdf = clinote::kdf_level::min;
        return clinote::vault_create(clinote::fuzz::fuzz_dir() + "/vault", k_pass, o);
    }();
    const char* magic = "clinote-archive";
    const bool whole = size >= strlen(magic) && memcmp(data, magic, strlen(magic)) == 0;
    const std::string archive = whole ? std::string(reinterpret_cast<const char*>(data), size) : sealed(data, size);
    try {
        clinote::vault_import_archive(*v, clinote::fuzz::fuzz_file("in.archive", reinterpret_cast<const uint8_t*>(archive.data()), archive.size()), k_pass);
    } catch (const clinote::error&) {
    }
    return 0;
}
