#include "core/json_pointer.h"

namespace clinote {

std::string json_pointer_escape(const std::string& key) {
    std::string out;
    for (char ch : key) {
        if (ch == '~') out += "~0";
        else if (ch == '/') out += "~1";
        else out += ch;
    }
    return out;
}

}  // namespace clinote
