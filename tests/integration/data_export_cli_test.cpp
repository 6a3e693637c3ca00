// `clinote data export IN -o DIR` run as a user runs it (the clinote binary beside the test
// binary): DIR need not exist beforehand, like every other tool's output folder.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "core/paths.h"
#include "data/encounter_store.h"
#include "data/import.h"

using namespace clinote;
namespace fs = std::filesystem;

namespace {

size_t count_lines(const fs::path& path) {
    std::ifstream in(path);
    size_t n = 0;
    for (std::string line; std::getline(in, line);) n++;
    return n;
}

}  // namespace

TEST(DataExportCli, CreatesAMissingOutputFolder) {
    const fs::path binary = fs::read_symlink("/proc/self/exe").parent_path().parent_path() / "clinote";
    if (!fs::exists(binary)) GTEST_SKIP() << "the clinote binary is not built beside the tests";
    const std::string csv = shared_dir() + "/data/mts-dialog/valid.csv";
    if (!fs::exists(csv)) GTEST_SKIP() << csv << " not found (see ../shared/README.md)";

    const fs::path dir = fs::path(::testing::TempDir()) / "data_export_cli";
    fs::remove_all(dir);
    fs::create_directories(dir);
    import_report report;
    const auto encounters = import_any(csv, "auto", {}, report);
    encounters_write((dir / "encounters.jsonl").string(), encounters);

    const fs::path out = dir / "not" / "yet" / "there";
    const std::string cmd = "'" + binary.string() + "' data export '" + (dir / "encounters.jsonl").string() +
                            "' -o '" + out.string() + "' --seed 7 2>'" + (dir / "stderr.txt").string() + "'";
    const int raw = std::system(cmd.c_str());
    ASSERT_TRUE(WIFEXITED(raw) && WEXITSTATUS(raw) == 0) << cmd;
    EXPECT_TRUE(fs::exists(out / "splits.json"));
    EXPECT_EQ(count_lines(out / "train.jsonl") + count_lines(out / "valid.jsonl") + count_lines(out / "test.jsonl"),
              encounters.size());
}
