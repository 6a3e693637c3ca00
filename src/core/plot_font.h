// A 7x12 bitmap font of printable ASCII for plot labels (see tools/make_plot_font.py).
#pragma once
#include <cstdint>

namespace clinote {

constexpr int plot_font_width = 7;
constexpr int plot_font_height = 12;
// glyphs[c - 32][row]: bit x set = ink at column x.
extern const uint8_t plot_font_glyphs[95][plot_font_height];

}  // namespace clinote
