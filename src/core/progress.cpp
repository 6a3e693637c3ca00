#include "core/progress.h"

#include <unistd.h>

#include <cstdio>
#include <algorithm>
#include <cstdlib>

namespace clinote {

std::string format_duration(double seconds) {
    if (seconds < 0) return "?";
    const long s = long(seconds + 0.5);
    char buf[32];
    if (s >= 3600)
        std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
    else
        std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
    return buf;
}

progress_bar::progress_bar(std::string label_, int64_t total_, std::string unit_)
    : label(std::move(label_)), unit(std::move(unit_)), total(total_) {
    const char* force = std::getenv("CLINOTE_PROGRESS");
    if (force && force[0] == '0') shown = style::off;
    else if ((force && force[0] == '1') || isatty(STDERR_FILENO)) shown = style::bar;
    else shown = style::lines;
    start = last_draw = std::chrono::steady_clock::now();
}

std::string progress_rate_text(double per_second, const std::string& unit) {
    char buf[96];
    if (per_second > 0 && per_second < 1)
        std::snprintf(buf, sizeof buf, "%.1f s/%s", 1.0 / per_second, unit.c_str());
    else
        std::snprintf(buf, sizeof buf, "%.1f %s/s", per_second, unit.c_str());
    return buf;
}

namespace {

constexpr auto k_redraw = std::chrono::milliseconds(100);

void draw(const progress_bar& p, const std::string& extra, bool final) {
    const auto now = std::chrono::steady_clock::now();
    const double elapsed = std::chrono::duration<double>(now - p.start).count();
    const double rate = elapsed > 0 ? double(p.done) / elapsed : 0.0;
    const bool bar_style = p.shown == progress_bar::style::bar;
    std::string bar;
    if (p.total > 0 && bar_style) {
        const int width = 24;
        const int filled = std::clamp(int(double(width) * double(p.done) / double(p.total)), 0, width);
        bar.push_back('[');
        bar.append(size_t(filled), '#');
        bar.append(size_t(width - filled), '.');
        bar.append("] ");
    }
    char buf[256];
    if (p.total > 0) {
        const double eta = rate > 0 ? double(p.total - p.done) / rate : -1;
        std::snprintf(buf, sizeof buf, "%lld/%lld %s ETA %s", (long long)p.done, (long long)p.total,
                      progress_rate_text(rate, p.unit).c_str(), format_duration(final ? 0 : eta).c_str());
    } else {
        std::snprintf(buf, sizeof buf, "%lld %s %s", (long long)p.done, progress_rate_text(rate, p.unit).c_str(),
                      format_duration(elapsed).c_str());
    }
    if (bar_style)
        std::fprintf(stderr, "\r%s %s%s%s%s\x1b[K%s", p.label.c_str(), bar.c_str(), buf, extra.empty() ? "" : " ",
                     extra.c_str(), final ? "\n" : "");
    else
        std::fprintf(stderr, "%s: %s%s%s\n", p.label.c_str(), buf, extra.empty() ? "" : " ", extra.c_str());
    std::fflush(stderr);
}

}  // namespace

void progress_bar::advance(int64_t n, const std::string& extra) {
    done += n;
    if (shown == style::off) return;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_draw < (shown == style::bar ? std::chrono::steady_clock::duration(k_redraw)
                                                : std::chrono::steady_clock::duration(line_every)))
        return;  // finish() draws the last state
    last_draw = now;
    draw(*this, extra, false);
}

void progress_bar::finish(const std::string& extra) {
    if (shown != style::off) draw(*this, extra, true);
}

}  // namespace clinote
