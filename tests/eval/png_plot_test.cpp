// PNG encoder and plots, checked by an independent decoder (Python's zlib inflate and CRC-32,
// tests/eval/png_decode.py) and by pixels whose place follows from the data.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <random>

#include "core/error.h"
#include "core/file.h"
#include "core/paths.h"
#include "core/plot.h"
#include "core/png.h"

using namespace clinote;

namespace {

std::string temp_path(const std::string& name) {
    std::string file = "clinote_png_";  // built by appending: GCC 12 warns (-Wrestrict) on the chained + form
    file += std::to_string(::getpid());
    file += '_';
    file += name;
    return (std::filesystem::temp_directory_path() / file).string();
}

// Decodes with the Python reader; returns the RGB bytes, or fails the test.
std::vector<uint8_t> decode_with_python(const std::string& png_path, int& width, int& height) {
    const std::string raw_path = png_path + ".rgb";
    const std::string cmd = "python3 " + source_dir() + "/tests/eval/png_decode.py " + png_path + " " + raw_path;
    FILE* p = popen(cmd.c_str(), "r");
    if (!p) { ADD_FAILURE() << "cannot run " << cmd; return {}; }
    width = height = 0;
    const int got = std::fscanf(p, "%d %d", &width, &height);
    const int status = pclose(p);
    EXPECT_EQ(status, 0) << cmd;
    EXPECT_EQ(got, 2);
    const std::string bytes = file_read(raw_path);
    std::filesystem::remove(raw_path);
    return std::vector<uint8_t>(bytes.begin(), bytes.end());
}

size_t count_color(const image_rgb& im, rgb c, int x0 = 0, int y0 = 0, int x1 = -1, int y1 = -1) {
    if (x1 < 0) x1 = im.width - 1;
    if (y1 < 0) y1 = im.height - 1;
    size_t n = 0;
    for (int y = y0; y <= y1; y++)
        for (int x = x0; x <= x1; x++) {
            const uint8_t* p = &im.pixels[(size_t(y) * im.width + x) * 3];
            n += p[0] == c.r && p[1] == c.g && p[2] == c.b;
        }
    return n;
}

}  // namespace

TEST(Png, KnownChecksums) {
    const std::string s = "123456789";  // the check value every CRC catalogue lists
    EXPECT_EQ(crc32_update(0, reinterpret_cast<const uint8_t*>(s.data()), s.size()), 0xCBF43926u);
    const std::string w = "Wikipedia";
    EXPECT_EQ(adler32(reinterpret_cast<const uint8_t*>(w.data()), w.size()), 0x11E60398u);
}

TEST(Png, DecodesToTheSamePixels) {
    // Flat areas (runs and row copies), noise (literals) and a 1-pixel-wide image (stride 4).
    std::mt19937 rng(7);
    for (auto [w, h] : {std::pair{1, 1}, {1, 9}, {37, 23}, {300, 120}}) {
        image_rgb im{w, h, std::vector<uint8_t>(size_t(w) * h * 3)};
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int c = 0; c < 3; c++)
                    im.pixels[(size_t(y) * w + x) * 3 + c] =
                        x < w / 2 ? uint8_t(40 * c + (y / 5)) : (y % 3 == 0 ? uint8_t(rng()) : uint8_t(x * c));
        const std::string path = temp_path(std::to_string(w) + "x" + std::to_string(h) + ".png");
        png_write(path, im);
        int dw = 0, dh = 0;
        const std::vector<uint8_t> decoded = decode_with_python(path, dw, dh);
        EXPECT_EQ(dw, w);
        EXPECT_EQ(dh, h);
        EXPECT_TRUE(decoded == im.pixels) << w << "x" << h;
        std::filesystem::remove(path);
    }
}

TEST(Png, FlatImageCompresses) {
    image_rgb im{800, 480, std::vector<uint8_t>(800 * 480 * 3, 255)};
    EXPECT_LT(png_encode(im).size(), 20000u);  // raw would be 1.15 MB
}

TEST(Png, RejectsWrongBufferSize) {
    image_rgb im{4, 4, std::vector<uint8_t>(10)};
    EXPECT_THROW(png_encode(im), error);
}

TEST(Plot, LinesFileDecodesAndDrawsEachSeries) {
    const std::string path = temp_path("lines.png");
    plot_lines_png(path, "Loss", "step", "loss",
                   {{"train", {0, 1, 2, 3}, {4, 3, 2.5, 2}}, {"valid", {0, 3}, {4.2, 2.6}}});
    int w = 0, h = 0;
    const std::vector<uint8_t> pixels = decode_with_python(path, w, h);
    std::filesystem::remove(path);
    const image_rgb im{w, h, pixels};
    ASSERT_EQ(pixels.size(), size_t(w) * h * 3);
    EXPECT_GT(count_color(im, plot_series_color(0)), 200u);
    EXPECT_GT(count_color(im, plot_series_color(1)), 200u);
    EXPECT_EQ(count_color(im, plot_series_color(2)), 0u);
}

TEST(Plot, HorizontalLineLiesOnOneRow) {
    const image_rgb im = plot_lines("flat", "x", "y", {{"", {0, 10}, {5, 5}}});
    // With no legend, every pixel of the series' colour is the 2-pixel-thick line at the vertical middle.
    int lo = im.height, hi = -1;
    for (int y = 0; y < im.height; y++)
        if (count_color(im, plot_series_color(0), 0, y, im.width - 1, y) > 0) { lo = std::min(lo, y); hi = std::max(hi, y); }
    EXPECT_EQ(hi - lo, 1);
    EXPECT_NEAR((lo + hi) / 2.0, (36 + 480 - 52) / 2.0, 1.0);  // the plot area's middle
}

TEST(Plot, HistogramBarHeightsFollowCounts) {
    // Bins over [0, 3): counts 1, 2, 4.
    const image_rgb im = plot_histogram("h", "value", {{"", {0.1, 1.2, 1.5, 2.1, 2.2, 2.5, 3.0}}}, 3);
    std::vector<size_t> heights;
    for (int b = 0; b < 3; b++) {
        const int x = 78 + int((b + 0.5) * (800 - 20 - 78) / 3.0);
        heights.push_back(count_color(im, plot_series_color(0), x, 0, x, im.height - 1));
    }
    ASSERT_GT(heights[0], 0u);
    EXPECT_NEAR(double(heights[1]) / heights[0], 2.0, 0.05);
    EXPECT_NEAR(double(heights[2]) / heights[0], 4.0, 0.05);
}

TEST(Plot, BadInputIsAnError) {
    EXPECT_THROW(plot_lines("t", "x", "y", {{"a", {1, 2}, {1}}}), error);
    EXPECT_THROW(plot_lines("t", "x", "y", {{"a", {NAN}, {1}}}), error);
    EXPECT_THROW(plot_histogram("t", "x", {{"a", {}}}), error);
}
