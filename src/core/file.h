// Reading whole files, with the one error wording every command uses.
#pragma once
#include <string>

namespace clinote {

// The file's bytes; throws "<path>: cannot open" (or "is a directory").
std::string file_read(const std::string& path);
// The same, and the text must be UTF-8: "<path>: not valid UTF-8 (byte offset N)".
std::string file_read_text(const std::string& path);

}  // namespace clinote
