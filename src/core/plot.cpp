#include "core/plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/error.h"
#include "core/plot_font.h"

namespace clinote {

rgb plot_series_color(size_t i) {
    static const rgb tableau[10] = {{31, 119, 180}, {255, 127, 14}, {44, 160, 44},  {214, 39, 40},   {148, 103, 189},
                                    {140, 86, 75},  {227, 119, 194}, {127, 127, 127}, {188, 189, 34}, {23, 190, 207}};
    return tableau[i % 10];
}

namespace {

constexpr int canvas_width = 800, canvas_height = 480;
constexpr rgb white{255, 255, 255}, black{0, 0, 0}, grid_grey{225, 225, 225}, text_grey{60, 60, 60};

struct canvas {
    image_rgb image;

    canvas() {
        image.width = canvas_width;
        image.height = canvas_height;
        image.pixels.assign(size_t(canvas_width) * canvas_height * 3, 255);
    }
    void set(int x, int y, rgb c) {
        if (x < 0 || y < 0 || x >= image.width || y >= image.height) return;
        unsigned char* p = &image.pixels[(size_t(y) * size_t(image.width) + size_t(x)) * 3];
        p[0] = c.r;
        p[1] = c.g;
        p[2] = c.b;
    }
    void fill(int x0, int y0, int x1, int y1, rgb c) {  // inclusive corners
        for (int y = std::min(y0, y1); y <= std::max(y0, y1); y++)
            for (int x = std::min(x0, x1); x <= std::max(x0, x1); x++) set(x, y, c);
    }
    // Bresenham with a 2x2 brush, so lines stay visible after scaling in a browser.
    void line(int x0, int y0, int x1, int y1, rgb c) {
        const int dx = std::abs(x1 - x0), dy = -std::abs(y1 - y0);
        const int sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1;
        int err = dx + dy;
        for (;;) {
            fill(x0, y0, x0 + 1, y0 + 1, c);
            if (x0 == x1 && y0 == y1) break;
            const int e2 = 2 * err;
            if (e2 >= dy) { err += dy; x0 += sx; }
            if (e2 <= dx) { err += dx; y0 += sy; }
        }
    }
    // Horizontal text with its top-left corner at (x, y); characters outside ASCII print as '?'.
    void text(int x, int y, const std::string& s, rgb c) {
        for (unsigned char ch : s) {
            glyph(ch, [&](int gx, int gy) { set(x + gx, y + gy, c); });
            x += plot_font_width;
        }
    }
    // Text reading bottom to top, its baseline on the right, starting at (x, y) = bottom-left.
    void text_vertical(int x, int y, const std::string& s, rgb c) {
        for (unsigned char ch : s) {
            glyph(ch, [&](int gx, int gy) { set(x + gy, y - gx, c); });
            y -= plot_font_width;
        }
    }
    template <typename F>
    static void glyph(unsigned char ch, F&& ink) {
        if (ch < 32 || ch > 126) ch = '?';
        for (int gy = 0; gy < plot_font_height; gy++)
            for (int gx = 0; gx < plot_font_width; gx++)
                if (plot_font_glyphs[ch - 32][gy] & (1 << gx)) ink(gx, gy);
    }
};

int text_width(const std::string& s) { return int(s.size()) * plot_font_width; }

// 1, 2 or 5 times a power of ten, giving about `target` ticks over [lo, hi].
std::vector<double> nice_ticks(double lo, double hi, int target) {
    const double raw = (hi - lo) / target;
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    double step = magnitude;
    for (double m : {1.0, 2.0, 5.0, 10.0})
        if (m * magnitude >= raw) { step = m * magnitude; break; }
    std::vector<double> ticks;
    for (double t = std::ceil(lo / step) * step; t <= hi + step * 1e-9; t += step)
        ticks.push_back(std::abs(t) < step * 1e-9 ? 0.0 : t);
    return ticks;
}

std::string tick_label(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.4g", v);
    return buf;
}

struct range {
    double lo = INFINITY, hi = -INFINITY;
    void add(double v) {
        if (!std::isfinite(v)) return;
        lo = std::min(lo, v);
        hi = std::max(hi, v);
    }
    bool empty() const { return lo > hi; }
    // A flat range would divide by zero when mapping; widen it around its value.
    void widen_if_flat() {
        if (hi - lo < 1e-12 * std::max(1.0, std::abs(lo))) { lo -= 1; hi += 1; }
    }
};

// The plot area and the data-to-pixel mapping shared by both kinds of plot.
struct frame {
    int left = 78, right = canvas_width - 20, top = 36, bottom = canvas_height - 52;
    range xr, yr;
    int px(double x) const { return left + int(std::lround((x - xr.lo) / (xr.hi - xr.lo) * (right - left))); }
    int py(double y) const { return bottom - int(std::lround((y - yr.lo) / (yr.hi - yr.lo) * (bottom - top))); }
};

void draw_axes(canvas& c, const frame& f, const std::string& title, const std::string& x_label,
               const std::string& y_label) {
    for (double t : nice_ticks(f.yr.lo, f.yr.hi, 6)) {
        const int y = f.py(t);
        c.fill(f.left, y, f.right, y, grid_grey);
        c.fill(f.left - 5, y, f.left - 1, y, black);
        const std::string s = tick_label(t);
        c.text(f.left - 8 - text_width(s), y - plot_font_height / 2, s, text_grey);
    }
    for (double t : nice_ticks(f.xr.lo, f.xr.hi, 8)) {
        const int x = f.px(t);
        c.fill(x, f.top, x, f.bottom, grid_grey);
        c.fill(x, f.bottom + 1, x, f.bottom + 5, black);
        const std::string s = tick_label(t);
        c.text(x - text_width(s) / 2, f.bottom + 8, s, text_grey);
    }
    c.fill(f.left, f.top, f.left, f.bottom, black);
    c.fill(f.left, f.bottom, f.right, f.bottom, black);
    c.text((canvas_width - text_width(title)) / 2, 12, title, black);
    c.text((f.left + f.right - text_width(x_label)) / 2, canvas_height - 22, x_label, black);
    c.text_vertical(8, (f.top + f.bottom + text_width(y_label)) / 2, y_label, black);
}

void draw_legend(canvas& c, const frame& f, const std::vector<std::string>& names) {
    size_t widest = 0, shown = 0;
    for (const std::string& n : names)
        if (!n.empty()) { widest = std::max(widest, n.size()); shown++; }
    if (shown == 0) return;
    const int row = plot_font_height + 4;
    const int w = 34 + int(widest) * plot_font_width, h = int(shown) * row + 6;
    const int x0 = f.right - w - 6, y0 = f.top + 6;
    c.fill(x0, y0, x0 + w, y0 + h, white);
    c.fill(x0, y0, x0 + w, y0, text_grey);
    c.fill(x0, y0 + h, x0 + w, y0 + h, text_grey);
    c.fill(x0, y0, x0, y0 + h, text_grey);
    c.fill(x0 + w, y0, x0 + w, y0 + h, text_grey);
    int y = y0 + 4;
    for (size_t i = 0; i < names.size(); i++) {
        if (names[i].empty()) continue;
        c.fill(x0 + 6, y + 5, x0 + 24, y + 7, plot_series_color(i));
        c.text(x0 + 30, y, names[i], black);
        y += row;
    }
}

}  // namespace

image_rgb plot_lines(const std::string& title, const std::string& x_label, const std::string& y_label,
                     const std::vector<plot_series>& series) {
    frame f;
    for (const plot_series& s : series) {
        if (s.x.size() != s.y.size())
            fail("plot " + title, "series '" + s.name + "' has " + std::to_string(s.x.size()) + " x values but " +
                                      std::to_string(s.y.size()) + " y values");
        for (size_t i = 0; i < s.x.size(); i++)
            if (std::isfinite(s.x[i]) && std::isfinite(s.y[i])) { f.xr.add(s.x[i]); f.yr.add(s.y[i]); }
    }
    if (f.xr.empty()) fail("plot " + title, "no finite points to draw");
    f.xr.widen_if_flat();
    f.yr.widen_if_flat();
    const double pad = 0.05 * (f.yr.hi - f.yr.lo);
    f.yr.lo -= pad;
    f.yr.hi += pad;
    canvas c;
    draw_axes(c, f, title, x_label, y_label);
    std::vector<std::string> names;
    for (size_t k = 0; k < series.size(); k++) {
        const plot_series& s = series[k];
        names.push_back(s.name);
        size_t run = 0;  // finite points in a row so far; a run of one is drawn as a dot
        int px = 0, py = 0;
        for (size_t i = 0; i <= s.x.size(); i++) {
            if (i == s.x.size() || !std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) {
                if (run == 1) c.fill(px - 1, py - 1, px + 1, py + 1, plot_series_color(k));
                run = 0;
                continue;
            }
            const int x = f.px(s.x[i]), y = f.py(s.y[i]);
            if (run > 0) c.line(px, py, x, y, plot_series_color(k));
            px = x;
            py = y;
            run++;
        }
    }
    draw_legend(c, f, names);
    return c.image;
}

image_rgb plot_histogram(const std::string& title, const std::string& x_label,
                         const std::vector<histogram_series>& series, int bins) {
    if (bins < 1) fail("plot " + title, "bins must be at least 1");
    frame f;
    for (const histogram_series& s : series)
        for (double v : s.values) f.xr.add(v);
    if (f.xr.empty()) fail("plot " + title, "no finite values to count");
    f.xr.widen_if_flat();
    const double width = (f.xr.hi - f.xr.lo) / bins;
    std::vector<std::vector<int>> counts(series.size(), std::vector<int>(size_t(bins), 0));
    int most = 0;
    for (size_t k = 0; k < series.size(); k++)
        for (double v : series[k].values) {
            if (!std::isfinite(v)) continue;
            const int b = std::min(bins - 1, int((v - f.xr.lo) / width));  // the maximum goes in the last bin
            most = std::max(most, ++counts[k][size_t(b)]);
        }
    f.yr.lo = 0;
    f.yr.hi = most * 1.08;
    canvas c;
    draw_axes(c, f, title, x_label, "count");
    std::vector<std::string> names;
    const double bar = double(f.right - f.left) / bins / double(series.size());
    for (size_t k = 0; k < series.size(); k++) {
        names.push_back(series[k].name);
        for (int b = 0; b < bins; b++) {
            if (counts[k][size_t(b)] == 0) continue;
            const int x0 = f.left + int(std::lround((b * double(series.size()) + double(k)) * bar));
            const int x1 = f.left + int(std::lround((b * double(series.size()) + double(k) + 1) * bar)) - 1;
            c.fill(x0 + 1, f.py(counts[k][size_t(b)]), x1, f.bottom - 1, plot_series_color(k));
        }
    }
    draw_legend(c, f, names);
    return c.image;
}

void plot_lines_png(const std::string& path, const std::string& title, const std::string& x_label,
                    const std::string& y_label, const std::vector<plot_series>& series) {
    png_write(path, plot_lines(title, x_label, y_label, series));
}

void plot_histogram_png(const std::string& path, const std::string& title, const std::string& x_label,
                        const std::vector<histogram_series>& series, int bins) {
    png_write(path, plot_histogram(title, x_label, series, bins));
}

}  // namespace clinote
