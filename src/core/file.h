// Reading and writing whole files, with the one error wording every command uses.
#pragma once
#include <string>
#include <string_view>

namespace clinote {

// The file's bytes; throws "<path>: cannot open" (or "is a directory").
std::string file_read(const std::string& path);
// The same, and the text must be UTF-8: "<path>: not valid UTF-8 (byte offset N)".
std::string file_read_text(const std::string& path);
// Replaces the file with bytes; throws "<path>: cannot write".
void file_write(const std::string& path, std::string_view bytes);

}  // namespace clinote
