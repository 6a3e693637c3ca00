// Line plots and histograms as PNG files, for self-contained reports (loss curves,
// metric distributions) without a plotting package.
#pragma once
#include <string>
#include <vector>

#include "core/png.h"

namespace clinote {

struct plot_series {
    std::string name;        // legend text; series with an empty name get no legend entry
    std::vector<double> x, y;
};

struct histogram_series {
    std::string name;
    std::vector<double> values;
};

// Each series as a polyline in its own colour, with axes, nice ticks, grid, title,
// axis labels and a legend. Non-finite points are skipped. Throws if x and y differ in
// length or no series has a finite point.
image_rgb plot_lines(const std::string& title, const std::string& x_label, const std::string& y_label,
                     const std::vector<plot_series>& series);
void plot_lines_png(const std::string& path, const std::string& title, const std::string& x_label,
                    const std::string& y_label, const std::vector<plot_series>& series);

// Counts of every series over the same `bins` equal-width bins spanning all values, drawn as
// side-by-side bars per bin (so base and adapter distributions can be compared). Throws if
// there are no finite values or bins < 1.
image_rgb plot_histogram(const std::string& title, const std::string& x_label,
                         const std::vector<histogram_series>& series, int bins = 20);
void plot_histogram_png(const std::string& path, const std::string& title, const std::string& x_label,
                        const std::vector<histogram_series>& series, int bins = 20);

// The colour of series i (a Tableau-10 cycle), so tests and reports can refer to it.
struct rgb {
    unsigned char r, g, b;
};
rgb plot_series_color(size_t i);

}  // namespace clinote
