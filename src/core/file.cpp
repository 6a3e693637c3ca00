#include "core/file.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "core/utf8.h"

namespace clinote {

std::string file_read(const std::string& path) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) fail(path, "is a directory, expected a file");
    std::ifstream in(path, std::ios::binary);
    if (!in) fail(path, "cannot open");
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string file_read_text(const std::string& path) {
    std::string text = file_read(path);
    utf8_require(text, path);
    return text;
}

void file_write(const std::string& path, std::string_view bytes) {
    std::ofstream out(path, std::ios::binary);
    if (!out.write(bytes.data(), std::streamsize(bytes.size())) || !out.flush()) fail(path, "cannot write");
}

}  // namespace clinote
