// The key envelope, checked by unwrapping vault.key with libsodium directly (not through
// key_file.cpp) and opening vault.db with the result through the plain SQLCipher API.
#include <gtest/gtest.h>

#define SQLITE_HAS_CODEC 1
#include <sqlite3.h>

#include <nlohmann/json.hpp>
#include <sodium.h>

#include "core/error.h"
#include "store/key_file.h"
#include "store_test_util.h"

namespace clinote {
namespace {

using test::k_pass;
using test::temp_dir;

std::vector<unsigned char> unhex(const std::string& s) {
    std::vector<unsigned char> out(s.size() / 2);
    for (size_t i = 0; i < out.size(); i++) out[i] = (unsigned char)std::stoi(s.substr(2 * i, 2), nullptr, 16);
    return out;
}

// The documented format: Argon2id13(passphrase, kdf.salt, opslimit, memlimit) → KEK;
// XChaCha20-Poly1305 with AAD "clinote-vault-key v1|<vault_id>|passphrase".
std::vector<unsigned char> unwrap_by_hand(const nlohmann::json& kf, const std::string& pass) {
    const auto salt = unhex(kf["kdf"]["salt"]);
    unsigned char kek[32];
    EXPECT_EQ(crypto_pwhash(kek, 32, pass.data(), pass.size(), salt.data(), kf["kdf"]["opslimit"].get<uint64_t>(),
                            kf["kdf"]["memlimit"].get<size_t>(), crypto_pwhash_ALG_ARGON2ID13),
              0);
    const auto nonce = unhex(kf["passphrase_slot"]["nonce"]);
    const auto wrapped = unhex(kf["passphrase_slot"]["wrapped_key"]);
    const std::string aad = "clinote-vault-key v1|" + kf["vault_id"].get<std::string>() + "|passphrase";
    std::vector<unsigned char> key(32);
    unsigned long long n = 0;
    const int rc = crypto_aead_xchacha20poly1305_ietf_decrypt(key.data(), &n, nullptr, wrapped.data(), wrapped.size(),
                                                              (const unsigned char*)aad.data(), aad.size(), nonce.data(),
                                                              kek);
    if (rc != 0) key.clear();
    return key;
}

TEST(KeyFile, DataKeyUnwrappedByHandOpensTheDatabase) {
    ASSERT_GE(sodium_init(), 0);
    temp_dir d;
    { test::make_vault(d.vault()); }
    const auto kf = nlohmann::json::parse(test::file_bytes(d.path / "vault" / "vault.key"));
    EXPECT_EQ(kf["kdf"]["alg"], "argon2id13");
    const auto key = unwrap_by_hand(kf, k_pass);
    ASSERT_EQ(key.size(), 32u);
    EXPECT_TRUE(unwrap_by_hand(kf, k_pass + "x").empty());

    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((d.path / "vault" / "vault.db").c_str(), &db), SQLITE_OK);
    char hex[65];
    sodium_bin2hex(hex, sizeof hex, key.data(), key.size());
    const std::string pragma = std::string("PRAGMA key = \"x'") + hex + "'\"; PRAGMA cipher_page_size = 4096;";
    ASSERT_EQ(sqlite3_exec(db, pragma.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_stmt* s = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = 'vault_id'", -1, &s, nullptr), SQLITE_OK);
    ASSERT_EQ(sqlite3_step(s), SQLITE_ROW);
    EXPECT_EQ(std::string((const char*)sqlite3_column_text(s, 0)), kf["vault_id"].get<std::string>());
    sqlite3_finalize(s);
    // WAL mode is stored in the file.
    ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s, nullptr), SQLITE_OK);
    ASSERT_EQ(sqlite3_step(s), SQLITE_ROW);
    EXPECT_EQ(std::string((const char*)sqlite3_column_text(s, 0)), "wal");
    sqlite3_finalize(s);
    sqlite3_close(db);
}

TEST(KeyFile, KdfParametersAreStoredWithTheVault) {
    temp_dir d;
    vault_create_options o;
    o.kdf = kdf_level::interactive;
    { vault_create(d.vault(), k_pass, o); }
    const auto kf = nlohmann::json::parse(test::file_bytes(d.path / "vault" / "vault.key"));
    EXPECT_EQ(kf["kdf"]["opslimit"].get<uint64_t>(), crypto_pwhash_OPSLIMIT_INTERACTIVE);
    EXPECT_EQ(kf["kdf"]["memlimit"].get<uint64_t>(), crypto_pwhash_MEMLIMIT_INTERACTIVE);
    EXPECT_EQ(kf["kdf"]["salt"].get<std::string>().size(), 2u * crypto_pwhash_SALTBYTES);
    EXPECT_NO_THROW(vault_open(d.vault(), k_pass));
}

TEST(KeyFile, AtomicWriteLeavesNoTemporaryFile) {
    temp_dir d;
    { test::make_vault(d.vault()); }
    const auto files = test::folder_bytes(d.path / "vault");
    EXPECT_EQ(files.count("vault.key.tmp"), 0u);
    EXPECT_EQ(files.count("vault.key"), 1u);
}

}  // namespace
}  // namespace clinote
