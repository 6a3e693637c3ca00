// Helpers shared by the data tests: where the real datasets are and scratch files.
#pragma once
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "core/paths.h"

inline std::string shared_data(const std::string& rel) { return clinote::shared_dir() + "/data/" + rel; }

// Skips the test when the shared datasets are not beside the checkout.
#define REQUIRE_SHARED_DATA()                                                                 \
    if (!std::filesystem::exists(shared_data("mts-dialog/train.csv")))                        \
        GTEST_SKIP() << "shared data not found at " << shared_data("") << " (see ../shared/README.md)"

inline std::string write_temp(const std::string& name, const std::string& bytes) {
    const std::string path = ::testing::TempDir() + name;
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
}
