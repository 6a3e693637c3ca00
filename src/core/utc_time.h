// The current UTC time as text, for timestamps in the vault, exports and run folders, and the
// check of a date given as text.
#pragma once
#include <string>
#include <string_view>

namespace clinote {

// strftime of the current UTC time, e.g. "%Y%m%d-%H%M%S".
std::string utc_time_text(const char* strftime_format);

// ISO 8601 with seconds, "2026-11-23T18:04:05Z".
std::string utc_now();

// Whether text is a calendar date written YYYY-MM-DD (1970-02-29 is not; 2024-02-29 is).
bool iso_date_valid(std::string_view text);

}  // namespace clinote
