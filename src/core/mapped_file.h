// A read-only memory map of a whole file; model weights are read from it in place.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace clinote {

struct mapped_file {
    std::string path;
    const uint8_t* data = nullptr;
    size_t size = 0;

    mapped_file() = default;
    explicit mapped_file(const std::string& path);  // throws clinote::error naming the path
    mapped_file(const mapped_file&) = delete;
    mapped_file& operator=(const mapped_file&) = delete;
    mapped_file(mapped_file&& other) noexcept;
    mapped_file& operator=(mapped_file&& other) noexcept;
    ~mapped_file();
};

}  // namespace clinote
