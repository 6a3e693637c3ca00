#include "core/mapped_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "core/error.h"

namespace clinote {

mapped_file::mapped_file(const std::string& file_path) : path(file_path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) fail(path, std::string("cannot open: ") + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        fail(path, "not a regular file");
    }
    size = size_t(st.st_size);
    if (size > 0) {
        void* p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (p == MAP_FAILED) {
            ::close(fd);
            fail(path, std::string("cannot map: ") + std::strerror(errno));
        }
        data = static_cast<const uint8_t*>(p);
    }
    ::close(fd);
}

mapped_file::mapped_file(mapped_file&& other) noexcept
    : path(std::move(other.path)), data(std::exchange(other.data, nullptr)), size(std::exchange(other.size, 0)) {}

mapped_file& mapped_file::operator=(mapped_file&& other) noexcept {
    if (this != &other) {
        if (data) ::munmap(const_cast<uint8_t*>(data), size);
        path = std::move(other.path);
        data = std::exchange(other.data, nullptr);
        size = std::exchange(other.size, 0);
    }
    return *this;
}

mapped_file::~mapped_file() {
    if (data) ::munmap(const_cast<uint8_t*>(data), size);
}

}  // namespace clinote
