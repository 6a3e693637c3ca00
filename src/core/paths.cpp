#include "core/paths.h"

#include <cstdlib>

namespace clinote {

std::string source_dir() { return CLINOTE_SOURCE_DIR; }

std::string shared_dir() {
    if (const char* env = std::getenv("CLINOTE_SHARED")) return env;
    return source_dir() + "/../shared";
}

}  // namespace clinote
