// The current UTC time as text, for timestamps in the vault, exports and run folders.
#pragma once
#include <string>

namespace clinote {

// strftime of the current UTC time, e.g. "%Y%m%d-%H%M%S".
std::string utc_time_text(const char* strftime_format);

// ISO 8601 with seconds, "2026-11-23T18:04:05Z".
std::string utc_now();

}  // namespace clinote
