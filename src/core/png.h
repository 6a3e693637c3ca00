// PNG encoding of 8-bit RGB images, self-contained (no zlib): plots for reports must be
// written on any machine that runs clinote.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace clinote {

// Row-major RGB, 3 bytes per pixel, top row first.
struct image_rgb {
    int width = 0, height = 0;
    std::vector<uint8_t> pixels;
};

// The bytes of a PNG file (colour type 2, bit depth 8, no interlace). The zlib stream
// uses fixed-Huffman deflate blocks with matches one pixel back and one row up, which
// is enough to make flat plot backgrounds small.
std::vector<uint8_t> png_encode(const image_rgb& image);
// Writes png_encode(image) to path; throws "<path>: cannot write".
void png_write(const std::string& path, const image_rgb& image);

// CRC-32 (ISO-HDLC, as PNG chunks and gzip use) and Adler-32 (zlib's trailer).
uint32_t crc32_update(uint32_t crc, const uint8_t* data, size_t n);
uint32_t adler32(const uint8_t* data, size_t n);

}  // namespace clinote
