// JSON Pointer (RFC 6901) paths, used to name the place of a problem in a JSON document.
#pragma once
#include <string>

namespace clinote {

// One reference token: "~" becomes "~0" and "/" becomes "~1".
std::string json_pointer_escape(const std::string& key);

}  // namespace clinote
