// Wrong passphrases and damaged files: a clear error, and not one byte of the vault changes.
#include <gtest/gtest.h>

#include <random>

#include "core/error.h"
#include "store_test_util.h"

namespace clinote {
namespace {

using test::k_pass;
using test::temp_dir;
namespace fs = std::filesystem;

constexpr size_t k_hmac_end = 4096 - 12;  // page data + IV + HMAC end here; the rest is slack

std::string open_error(const std::string& dir, const std::string& pass = k_pass) {
    try {
        vault_ptr v = vault_open(dir, pass);
        vault_encounter_list(*v);
    } catch (const error& e) {
        return e.what();
    }
    return "";
}

// A closed vault with a few pages of data.
std::string long_text() {
    std::string text;
    for (int i = 0; i < 400; i++) text += "Doctor: line " + std::to_string(i) + " of a long visit.\n";
    return text;
}

void fill(const std::string& dir) {
    vault_ptr v = test::make_vault(dir);
    for (int e = 0; e < 3; e++) vault_transcript_add(*v, vault_encounter_add(*v, {}), long_text(), "t.txt");
}

TEST(Corrupt, WrongPassphraseSaysSoAndChangesNothing) {
    temp_dir d;
    fill(d.vault());
    const auto before = test::folder_bytes(d.vault());
    EXPECT_EQ(open_error(d.vault(), "not the passphrase"), d.vault() + "/vault.key: wrong passphrase");
    EXPECT_EQ(test::folder_bytes(d.vault()), before);  // same files, byte for byte, and no new ones
}

TEST(Corrupt, TruncatedDatabaseIsReportedAndLeftAsItIs) {
    temp_dir d;
    fill(d.vault());
    const fs::path db = fs::path(d.vault()) / "vault.db";
    const std::string whole = test::file_bytes(db);
    ASSERT_GT(whole.size(), 4u * 4096);
    for (size_t size : {size_t(0), size_t(100), size_t(4096), size_t(4096 + 17), whole.size() - 4096, whole.size() - 1}) {
        const std::string cut = whole.substr(0, size);
        test::write_bytes(db, cut);
        const std::string msg = open_error(d.vault());
        EXPECT_NE(msg.find("vault.db: damaged vault"), std::string::npos) << "size " << size << ": " << msg;
        EXPECT_TRUE(test::file_bytes(db) == cut) << "size " << size << ": the damaged file was written to";
    }
}

TEST(Corrupt, BitFlipAnywhereInTheDatabaseIsReportedAndLeftAsItIs) {
    temp_dir d;
    fill(d.vault());
    const fs::path db = fs::path(d.vault()) / "vault.db";
    const std::string whole = test::file_bytes(db);
    std::mt19937 rng(7);
    // Salt, first encrypted byte, page 1's IV and the last byte of its HMAC, then random
    // bytes of later pages outside the unused slack (see PageSlack below).
    std::vector<size_t> offsets = {0, 15, 16, 100, 4048, k_hmac_end - 1};
    while (offsets.size() < 20) {
        const size_t off = std::uniform_int_distribution<size_t>(4096, whole.size() - 1)(rng);
        if (off % 4096 < k_hmac_end) offsets.push_back(off);
    }
    for (size_t off : offsets) {
        std::string flipped = whole;
        flipped[off] = char(flipped[off] ^ (1 << (off % 8)));
        test::write_bytes(db, flipped);
        const std::string msg = open_error(d.vault());
        EXPECT_NE(msg.find("vault.db: damaged vault"), std::string::npos) << "offset " << off << ": " << msg;
        EXPECT_TRUE(test::file_bytes(db) == flipped) << "offset " << off << ": the damaged file was written to";
    }
    test::write_bytes(db, whole);
    EXPECT_EQ(open_error(d.vault()), "");
}

// SQLCipher 3 reserves 48 bytes at the end of each page: a 16-byte IV and a 20-byte
// HMAC-SHA1 over the page and IV, rounded up to the AES block, so the last 12 bytes are
// neither read nor authenticated. A flip there changes nothing that is read.
TEST(Corrupt, PageSlackIsNeitherReadNorAuthenticated) {
    temp_dir d;
    fill(d.vault());
    const fs::path db = fs::path(d.vault()) / "vault.db";
    std::string bytes = test::file_bytes(db);
    bytes[4096 + k_hmac_end + 3] ^= 0x10;
    test::write_bytes(db, bytes);
    vault_ptr v = vault_open(d.vault(), k_pass);
    for (int64_t id = 1; id <= 3; id++) EXPECT_TRUE(vault_encounter_load(*v, id).transcripts.at(0).text == long_text());
}

TEST(Corrupt, EveryBitFlipInTheKeyFileIsDamageNotAWrongPassphrase) {
    temp_dir d;
    fill(d.vault());
    const fs::path key = fs::path(d.vault()) / "vault.key";
    const std::string whole = test::file_bytes(key);
    for (size_t off = 0; off < whole.size(); off++) {
        std::string flipped = whole;
        flipped[off] = char(flipped[off] ^ (1 << (off % 8)));
        test::write_bytes(key, flipped);
        const std::string msg = open_error(d.vault());
        EXPECT_NE(msg, "") << "offset " << off;
        EXPECT_EQ(msg.find("wrong passphrase"), std::string::npos) << "offset " << off << ": " << msg;
        EXPECT_EQ(msg.rfind(key.string() + ": ", 0), 0u) << msg;
        EXPECT_TRUE(test::file_bytes(key) == flipped) << "offset " << off;
    }
}

TEST(Corrupt, TruncatedKeyFileIsReported) {
    temp_dir d;
    fill(d.vault());
    const fs::path key = fs::path(d.vault()) / "vault.key";
    const std::string whole = test::file_bytes(key);
    for (size_t size : {size_t(0), size_t(1), whole.size() / 2, whole.size() - 3}) {
        test::write_bytes(key, whole.substr(0, size));
        const std::string msg = open_error(d.vault());
        EXPECT_NE(msg.find("vault.key: damaged key file"), std::string::npos) << size << ": " << msg;
    }
    fs::remove(key);
    EXPECT_NE(open_error(d.vault()).find("vault.key: cannot open the key file"), std::string::npos);
}

}  // namespace
}  // namespace clinote
