// Progress of any long loop on stderr, with rate and ETA: a bar redrawn in place on a
// terminal; elsewhere (a log file, CI, the server's log) one plain line every 10 seconds.
// CLINOTE_PROGRESS=1 forces the bar, =0 silences both.
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
    enum class style { bar, lines, off };
    style shown = style::bar;  // from the terminal and CLINOTE_PROGRESS
    std::chrono::milliseconds line_every{10000};  // style::lines: at most one line this often
    std::chrono::steady_clock::time_point start;
    std::chrono::steady_clock::time_point last_draw;

    progress_bar(std::string label, int64_t total, std::string unit = "it");
    void advance(int64_t n = 1, const std::string& extra = "");
    void finish(const std::string& extra = "");
};

// "2.5 tok/s", or for less than one a second "33.3 s/step" (a slow step would read "0.0 step/s").
std::string progress_rate_text(double per_second, const std::string& unit);

// "1:02:03", "4:05", or "?" for a negative time.
std::string format_duration(double seconds);

}  // namespace clinote
