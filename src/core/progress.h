// A one-line progress bar on stderr with rate and ETA, for any long loop.
#pragma once
#include <chrono>
#include <cstdint>
#include <string>

namespace clinote {

struct progress_bar {
    std::string label;
    std::string unit;          // what is counted, e.g. "tok", "ex", "step"
    int64_t total = 0;         // 0: unknown, no ETA
    int64_t done = 0;
    bool enabled = true;       // false when stderr is not a terminal and not forced
    std::chrono::steady_clock::time_point start;
    std::chrono::steady_clock::time_point last_draw;

    progress_bar(std::string label, int64_t total, std::string unit = "it");
    void advance(int64_t n = 1, const std::string& extra = "");
    void finish(const std::string& extra = "");
};

// "1:02:03", "4:05", or "?" for a negative time.
std::string format_duration(double seconds);

}  // namespace clinote
