// The inputs a fuzz target once failed on, kept in fuzz/regressions/<target>/: each
// module's regression test feeds every one to the function the target calls.
#pragma once
#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "core/paths.h"

namespace clinote::test {

inline std::vector<std::string> fuzz_regressions(const std::string& target) {
    std::vector<std::string> paths;
    for (const auto& e : std::filesystem::directory_iterator(source_dir() + "/fuzz/regressions/" + target))
        paths.push_back(e.path().string());
    std::sort(paths.begin(), paths.end());
    return paths;
}

}  // namespace clinote::test
