// Most readers take a path, as production calls them: each fuzz input is written to one
// file in a folder of this process's own, rewritten for every input.
#pragma once
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>

namespace clinote::fuzz {

inline const std::string& fuzz_dir() {
    static const std::string dir = [] {
        char tmpl[] = "/tmp/clinote-fuzz-XXXXXX";
        if (!mkdtemp(tmpl)) std::abort();
        return std::string(tmpl);
    }();
    return dir;
}

inline std::string fuzz_file(const std::string& name, const uint8_t* data, size_t size) {
    const std::string path = fuzz_dir() + "/" + name;
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f.write(reinterpret_cast<const char*>(data), std::streamsize(size));
    if (!f.flush()) std::abort();
    return path;
}

}  // namespace clinote::fuzz
