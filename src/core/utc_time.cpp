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

bool iso_date_valid(std::string_view text) {
    if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
    int field[3] = {0, 0, 0};
    for (size_t i = 0, f = 0; i < text.size(); ++i) {
        if (i == 4 || i == 7) {
            ++f;
            continue;
        }
        if (text[i] < '0' || text[i] > '9') return false;
        field[f] = field[f] * 10 + (text[i] - '0');
    }
    const int year = field[0], month = field[1], day = field[2];
    const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    const int days[12] = {31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month >= 1 && month <= 12 && day >= 1 && day <= days[month - 1];
}

}  // namespace clinote
