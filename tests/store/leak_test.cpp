// What must never be readable: note text in any file the vault writes (database, WAL,
// shared memory, journal, temp files), and key material in this process after lock.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include <sodium.h>

#include "store/kdf.h"
#include "store/key_file.h"
#include "store/vault_internal.h"
#include "store_test_util.h"

namespace clinote {
namespace {

using test::k_pass;
using test::temp_dir;
namespace fs = std::filesystem;

bool contains(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

// Every file under dir (recursively) that contains needle.
std::vector<std::string> files_containing(const fs::path& dir, const std::string& needle) {
    std::vector<std::string> hits;
    for (const auto& e : fs::recursive_directory_iterator(dir))
        if (e.is_regular_file() && contains(test::file_bytes(e.path()), needle)) hits.push_back(e.path().string());
    return hits;
}

TEST(Leak, NoteTextIsInNoFileTheVaultWrites) {
    temp_dir d;
    // SQLite puts temp files in $SQLITE_TMPDIR: point it at a folder we can inspect.
    const fs::path tmp = d.path / "sqlite-tmp";
    fs::create_directory(tmp);
    ::setenv("SQLITE_TMPDIR", tmp.c_str(), 1);
    unsigned char r[8];
    randombytes_buf(r, sizeof r);
    char hex[17];
    sodium_bin2hex(hex, sizeof hex, r, sizeof r);
    const std::string marker = std::string("MARKER-") + hex;
    {
        vault_ptr v = test::make_vault(d.vault());
        EXPECT_EQ(vault_debug_pragma(*v, "temp_store"), "2");  // 2 = MEMORY
        EXPECT_EQ(vault_debug_pragma(*v, "journal_mode"), "wal");
        const int64_t pid = vault_patient_add(*v, {0, marker + "-ref", marker + "-name", ""});
        const int64_t id = vault_encounter_add(*v, {0, pid, marker + "-title", ""});
        vault_transcript_add(*v, id, "Patient: " + marker + " transcript\n", "t.txt");
        vault_note_add_draft(*v, id, "S: " + marker + " note\n", "model");
        vault_note_approve(*v, id, "S: " + marker + " note, approved\n", "dr");
        vault_audio_add(*v, id, "audio/wav", std::vector<unsigned char>(marker.begin(), marker.end()));
        // Reads that sort and build temporary b-trees.
        vault_encounter_list(*v);
        vault_encounter_load(*v, id);
        vault_export_markdown(*v);
        vault_export_archive(*v, (d.path / "archive.clinote").string(), k_pass);
        // While open: the changes sit in the WAL, not yet checkpointed.
        EXPECT_TRUE(fs::exists(d.vault() + "/vault.db-wal"));
        EXPECT_TRUE(fs::file_size(d.vault() + "/vault.db-wal") > 0);
        EXPECT_EQ(files_containing(d.path, marker), std::vector<std::string>{});
        EXPECT_EQ(files_containing(d.path, "S: MARKER"), std::vector<std::string>{});
    }
    // After close (checkpoint), and no temp file was ever left behind.
    EXPECT_EQ(files_containing(d.path, marker), std::vector<std::string>{});
    EXPECT_TRUE(fs::is_empty(tmp));
    ::unsetenv("SQLITE_TMPDIR");
    // The check itself can fail: the marker is found once the data is decrypted.
    vault_ptr v = vault_open(d.vault(), k_pass);
    EXPECT_TRUE(contains(vault_export_markdown(*v), marker));
}

// A byte pattern held XOR-masked, so the test's own copy never matches a scan.
struct masked_pattern {
    static constexpr unsigned char k_mask = 0x5a;
    std::vector<unsigned char> bytes;
    std::string name;
    masked_pattern(const unsigned char* p, size_t n, std::string name_) : bytes(n), name(std::move(name_)) {
        for (size_t i = 0; i < n; i++) bytes[i] = p[i] ^ k_mask;
    }
    bool matches_at(const unsigned char* m) const {
        for (size_t i = 0; i < bytes.size(); i++)
            if ((m[i] ^ k_mask) != bytes[i]) return false;
        return true;
    }
};

// Reads every readable mapping of this process through /proc/self/mem (so unmapped or
// guard pages cannot fault) and counts occurrences of each pattern.
struct scan_result {
    std::vector<int> hits;            // per pattern
    std::vector<std::string> where;   // per pattern: the mapping of the first hit
};

scan_result scan_memory(const std::vector<masked_pattern>& patterns) {
    scan_result r{std::vector<int>(patterns.size(), 0), std::vector<std::string>(patterns.size())};
    std::ifstream maps("/proc/self/maps");
    const int mem = ::open("/proc/self/mem", O_RDONLY);
    EXPECT_GE(mem, 0);
    std::vector<unsigned char> buf(1 << 20);
    const size_t overlap = 128;
    std::string line;
    while (std::getline(maps, line)) {
        unsigned long lo = 0, hi = 0;
        char perms[5] = {};
        if (std::sscanf(line.c_str(), "%lx-%lx %4s", &lo, &hi, perms) != 3 || perms[0] != 'r') continue;
        if (contains(line, "[vvar]") || contains(line, "[vsyscall]")) continue;
        // Mappings this large are AddressSanitizer's shadow (metadata, never our data);
        // reading them would fault in gigabytes of zero pages.
        if (hi - lo > (256ul << 20)) continue;
        for (unsigned long at = lo; at < hi;) {
            const size_t want = std::min<unsigned long>(buf.size(), hi - at);
            const ssize_t got = ::pread(mem, buf.data(), want, off_t(at));
            if (got <= 0) break;
            for (size_t i = 0; i < size_t(got); i++)
                for (size_t p = 0; p < patterns.size(); p++)
                    if (i + patterns[p].bytes.size() <= size_t(got) && patterns[p].matches_at(&buf[i]))
                        if (r.hits[p]++ == 0) r.where[p] = line + " +" + std::to_string(at + i - lo);
            if (size_t(got) < want || at + got >= hi) break;
            at += size_t(got) - overlap;  // patterns straddling chunks are seen in the next one
        }
    }
    ::close(mem);
    return r;
}

std::vector<masked_pattern> key_patterns(const std::string& dir) {
    const std::string key_path = dir + "/vault.key";
    const key_file kf = key_file_read(key_path);
    secret kek = kdf_derive(k_pass, kf.salt.data(), kf.kdf);
    secret key = key_file_unwrap_passphrase(kf, k_pass, key_path);
    std::vector<masked_pattern> out;
    out.emplace_back(key.data, key.size, "data key");
    out.emplace_back(kek.data, kek.size, "key-encryption key");
    secret hex(65);
    sodium_bin2hex(reinterpret_cast<char*>(hex.data), 65, key.data, key.size);
    out.emplace_back(hex.data, 64, "data key as lower-case hex");
    for (size_t i = 0; i < 64; i++) hex.data[i] = static_cast<unsigned char>(std::toupper(hex.data[i]));
    out.emplace_back(hex.data, 64, "data key as upper-case hex");
    secret_wipe(hex);
    secret_wipe(key);
    secret_wipe(kek);
    return out;
}

TEST(Leak, NoCopyOfTheKeyInProcessMemoryAfterLock) {
    temp_dir d;
    { test::make_vault(d.vault()); }
    const std::vector<masked_pattern> patterns = key_patterns(d.vault());
    const scan_result before = scan_memory(patterns);
    for (size_t p = 0; p < patterns.size(); p++)
        ASSERT_EQ(before.hits[p], 0) << patterns[p].name << ": the test's own copies were not wiped: " << before.where[p];

    vault_ptr v = vault_open(d.vault(), k_pass);
    const int64_t id = vault_encounter_add(*v, {});
    vault_transcript_add(*v, id, std::string(100000, 'x'), "t");  // enough pages to exercise the page cipher
    vault_encounter_load(*v, id);
    // The scanner works: while unlocked the data key is in memory (our buffer, SQLCipher's).
    EXPECT_GT(scan_memory(patterns).hits[0], 0);

    vault_lock(*v);
    const scan_result after = scan_memory(patterns);
    for (size_t p = 0; p < patterns.size(); p++)
        EXPECT_EQ(after.hits[p], 0) << patterns[p].name << " found " << after.hits[p] << " times after lock, first in "
                                    << after.where[p];
}

}  // namespace
}  // namespace clinote
