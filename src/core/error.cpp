#include "core/error.h"

namespace clinote {

void fail(const std::string& where, const std::string& what) {
    throw error(where + ": " + what);
}

}  // namespace clinote
