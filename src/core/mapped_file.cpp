#include "core/mapped_file.h"
#include "core/mapped_file_release.h"

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

void mapped_file_release(const mapped_file& f, const void* p, size_t n) {
    const auto begin = reinterpret_cast<uintptr_t>(p);
    const auto map_begin = reinterpret_cast<uintptr_t>(f.data);
    if (!f.data || begin < map_begin || begin + n > map_begin + f.size) return;
    // Only whole pages: a page shared with a neighbouring tensor stays resident.
    const auto page = uintptr_t(::sysconf(_SC_PAGESIZE));
    const uintptr_t first = (begin + page - 1) / page * page;
    const uintptr_t last = (begin + n) / page * page;
    if (last > first) ::madvise(reinterpret_cast<void*>(first), last - first, MADV_DONTNEED);
}

}  // namespace clinote
