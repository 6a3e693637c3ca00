// Shared by the adapter tests: golden paths (tools/make_adapter_golden.py), logits with an
// adapter, and scratch directories.
#pragma once
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/paths.h"
#include "model/transformer.h"

namespace adapter_test {

inline const std::vector<int32_t> prompt = {1, 17, 42, 99, 7, 200, 3, 64, 128, 5, 250, 31};

inline std::string golden(const std::string& rel) { return clinote::source_dir() + "/tests/golden/adapter/" + rel; }
inline std::string base_model(const std::string& arch, const std::string& file) {
    return clinote::source_dir() + "/tests/golden/model/" + arch + "/" + file;
}

inline std::vector<float> read_f32(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    EXPECT_TRUE(in.good()) << path;
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<float> out(bytes.size() / sizeof(float));
    std::memcpy(out.data(), bytes.data(), out.size() * sizeof(float));
    return out;
}

// Logits of every prompt position, with the adapter (or none).
inline std::vector<float> logits(const clinote::model& m, const clinote::lora_adapter* a) {
    clinote::inference_state st = clinote::inference_state_create(m, 0);
    st.adapter = a;
    std::vector<float> out(prompt.size() * size_t(m.config.n_vocab));
    clinote::model_forward(m, st, prompt.data(), int64_t(prompt.size()), out.data(), true);
    return out;
}

inline double max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
    EXPECT_EQ(a.size(), b.size());
    double d = 0;
    for (size_t i = 0; i < a.size() && i < b.size(); i++) d = std::max(d, std::fabs(double(a[i]) - double(b[i])));
    return d;
}

// A fresh directory under the system's temporary directory, removed at the end of the test.
struct scratch_dir {
    std::filesystem::path path;
    explicit scratch_dir(const std::string& name) {
        path = std::filesystem::temp_directory_path() / ("clinote_adapter_" + name + "_" + std::to_string(::getpid()));
        std::filesystem::remove_all(path);
        std::filesystem::create_directories(path);
    }
    ~scratch_dir() { std::filesystem::remove_all(path); }
    std::string operator/(const std::string& rel) const { return (path / rel).string(); }
};

}  // namespace adapter_test
