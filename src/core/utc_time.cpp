#include "core/utc_time.h"

#include <ctime>

namespace clinote {

std::string utc_time_text(const char* strftime_format) {
    const std::time_t t = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[64];
    return std::string(buf, std::strftime(buf, sizeof buf, strftime_format, &tm));
}

std::string utc_now() { return utc_time_text("%Y-%m-%dT%H:%M:%SZ"); }

}  // namespace clinote
