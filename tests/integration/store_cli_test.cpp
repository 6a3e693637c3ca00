// clinote store add refuses bad input before it opens the vault (the probes: an empty
// transcript, birth date 1970-13-45, --audio naming a folder), with one error naming the file
// or flag, and the vault keeps exactly what it held.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "../clinote_cli.h"

namespace clinote {
namespace {

namespace fs = std::filesystem;
using test::clinote_cli;
using test::shell_quote;

const std::string passphrase = "correct horse battery staple\n";

struct scratch {
    fs::path dir = fs::temp_directory_path() / ("clinote-store-cli-" + std::to_string(::getpid()));
    scratch() { fs::create_directories(dir / "folder"); }
    ~scratch() { fs::remove_all(dir); }
    std::string file(const std::string& name, const std::string& text) const {
        std::ofstream(dir / name, std::ios::binary) << text;
        return shell_quote((dir / name).string());
    }
};

TEST(StoreCli, AddRefusesBadInputAndStoresNothing) {
    scratch s;
    const std::string vault = " --vault " + shell_quote((s.dir / "vault").string()) + " --passphrase-stdin";
    ASSERT_EQ(clinote_cli("store init --kdf-level min" + vault, passphrase).status, 0);
    const std::string visit = s.file("visit.txt", "Doctor: What brings you in?\nPatient: A cough.\n");
    ASSERT_EQ(clinote_cli("store add --transcript " + visit + vault, passphrase).status, 0);

    struct probe {
        std::string args, error;
    };
    const std::string empty = s.file("empty.txt", " \n\n");
    const probe probes[] = {
        {"--transcript " + empty, (s.dir / "empty.txt").string() + ": empty transcript"},
        {"--transcript " + visit + " --patient-name X --birth-date 1970-13-45",
         "--birth-date: '1970-13-45' is not a date (YYYY-MM-DD)"},
        {"--transcript " + visit + " --patient-name X --birth-date 1970-02-29",
         "--birth-date: '1970-02-29' is not a date (YYYY-MM-DD)"},
        {"--transcript " + visit + " --audio " + shell_quote((s.dir / "folder").string()),
         (s.dir / "folder").string() + ": is a directory, expected a file"},
    };
    for (const probe& p : probes) {
        const test::cli_result r = clinote_cli("store add " + p.args + vault, passphrase);
        EXPECT_EQ(r.status, 1) << p.args;
        EXPECT_EQ(r.err, "clinote: error: " + p.error + "\n") << p.args;
    }
    // Only the first visit is there, and a leap day is a date.
    const test::cli_result list = clinote_cli("store list" + vault, passphrase);
    ASSERT_EQ(list.status, 0) << list.err;
    EXPECT_EQ(std::count(list.out.begin(), list.out.end(), '\n'), 2) << list.out;  // header + one encounter
    EXPECT_EQ(clinote_cli("store add --transcript " + visit + " --patient-name X --birth-date 2024-02-29" + vault, passphrase).status, 0);
}

}  // namespace
}  // namespace clinote
