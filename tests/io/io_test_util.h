// Shared helpers of the io tests: golden paths, temporary files, byte patching.
#pragma once
#include <gtest/gtest.h>

#include <cstdint>
#include <algorithm>
#include <cstring>
#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/paths.h"

namespace clinote::test {

inline std::string golden_io(const std::string& name) { return source_dir() + "/tests/golden/io/" + name; }
inline std::string stories_path() { return shared_dir() + "/models/stories260k/stories260K.gguf"; }

inline nlohmann::json read_json(const std::string& path) {
    std::ifstream f(path);
    if (!f) throw std::runtime_error("cannot read " + path + " (run tools/make_io_golden.py)");
    return nlohmann::json::parse(f);
}

inline std::vector<uint8_t> read_file_bytes(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw std::runtime_error("cannot read " + path);
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

// The old file is removed first: truncating it in place makes ext4 flush it to disk on
// close, which turns the thousands of rewrites of the corruption tests into minutes.
inline void write_file_bytes(const std::string& path, const std::vector<uint8_t>& bytes, size_t n) {
    std::filesystem::remove(path);
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(n));
}

// A fresh directory per test, removed afterwards.
struct temp_dir {
    std::filesystem::path path;
    temp_dir() {
        const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
        path = std::filesystem::path(::testing::TempDir()) /
               ("clinote_io_" + std::string(info->test_suite_name()) + "_" + info->name() + "_" + std::to_string(::getpid()));
        std::filesystem::remove_all(path);
        std::filesystem::create_directories(path);
    }
    ~temp_dir() { std::filesystem::remove_all(path); }
    std::string file(const std::string& name) const { return (path / name).string(); }
};

template <typename T>
void put_at(std::vector<uint8_t>& bytes, size_t pos, T v) {
    ASSERT_LE(pos + sizeof(T), bytes.size());
    std::memcpy(bytes.data() + pos, &v, sizeof(T));
}

// Position of the first occurrence of `needle`, or fails the test.
inline size_t find_bytes(const std::vector<uint8_t>& hay, const std::string& needle) {
    auto it = std::search(hay.begin(), hay.end(), needle.begin(), needle.end());
    EXPECT_NE(it, hay.end()) << "pattern not found";
    return size_t(it - hay.begin());
}

// Runs `open` on `path`; passes if it succeeds or throws a clinote::error that starts
// with the path; returns whether it threw.
inline bool opens_or_names_file(const std::string& path, const std::function<void()>& open) {
    try {
        open();
        return false;
    } catch (const clinote::error& e) {
        EXPECT_EQ(std::string(e.what()).rfind(path + ": ", 0), 0u) << e.what();
        return true;
    }
}

}  // namespace clinote::test
