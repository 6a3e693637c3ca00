#include "core/png.h"

#include <algorithm>
#include <array>
#include <cstdio>

#include "core/error.h"

namespace clinote {

uint32_t crc32_update(uint32_t crc, const uint8_t* data, size_t n) {
    static const std::array<uint32_t, 256> table = [] {
        std::array<uint32_t, 256> t{};
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t c = i;
            for (int k = 0; k < 8; k++) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            t[i] = c;
        }
        return t;
    }();
    crc = ~crc;
    for (size_t i = 0; i < n; i++) crc = table[(crc ^ data[i]) & 0xFF] ^ (crc >> 8);
    return ~crc;
}

uint32_t adler32(const uint8_t* data, size_t n) {
    uint32_t a = 1, b = 0;
    for (size_t i = 0; i < n; i++) {
        a = (a + data[i]) % 65521;
        b = (b + a) % 65521;
    }
    return (b << 16) | a;
}

namespace {

// Deflate writes bits least-significant first; Huffman codes go most-significant first.
struct bit_writer {
    std::vector<uint8_t>& out;
    uint32_t acc = 0;
    int n_bits = 0;

    void put(uint32_t value, int n) {
        acc |= value << n_bits;
        n_bits += n;
        while (n_bits >= 8) {
            out.push_back(uint8_t(acc));
            acc >>= 8;
            n_bits -= 8;
        }
    }
    void put_code(uint32_t code, int n) {
        uint32_t reversed = 0;
        for (int i = 0; i < n; i++) reversed |= ((code >> i) & 1) << (n - 1 - i);
        put(reversed, n);
    }
    void flush() {
        if (n_bits > 0) out.push_back(uint8_t(acc));
        acc = 0;
        n_bits = 0;
    }
};

// RFC 1951 section 3.2.6, the fixed literal/length code.
void put_literal_length(bit_writer& w, int symbol) {
    if (symbol < 144) w.put_code(0x30 + symbol, 8);
    else if (symbol < 256) w.put_code(0x190 + symbol - 144, 9);
    else if (symbol < 280) w.put_code(symbol - 256, 7);
    else w.put_code(0xC0 + symbol - 280, 8);
}

constexpr int length_base[29] = {3,  4,  5,  6,  7,  8,  9,  10, 11,  13,  15,  17,  19,  23, 27,
                                 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
constexpr int length_extra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
constexpr int dist_base[30] = {1,   2,   3,   4,   5,   7,    9,    13,   17,   25,   33,   49,   65,    97,    129,
                               193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
constexpr int dist_extra[30] = {0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};

void put_match(bit_writer& w, int length, int distance) {
    int li = 28;
    while (length_base[li] > length) li--;
    put_literal_length(w, 257 + li);
    w.put(uint32_t(length - length_base[li]), length_extra[li]);
    int di = 29;
    while (dist_base[di] > distance) di--;
    w.put_code(uint32_t(di), 5);
    w.put(uint32_t(distance - dist_base[di]), dist_extra[di]);
}

int match_length(const std::vector<uint8_t>& data, size_t pos, size_t distance) {
    if (distance == 0 || distance > pos || distance > 32768) return 0;
    const size_t limit = std::min<size_t>(258, data.size() - pos);
    size_t n = 0;
    while (n < limit && data[pos + n] == data[pos + n - distance]) n++;
    return int(n);
}

// One final fixed-Huffman block; greedy choice between a run (distance = one pixel)
// and a copy of the row above (distance = one scanline).
std::vector<uint8_t> zlib_compress(const std::vector<uint8_t>& data, size_t pixel_bytes, size_t row_bytes) {
    std::vector<uint8_t> out = {0x78, 0x01};
    bit_writer w{out};
    w.put(1, 1);  // BFINAL
    w.put(1, 2);  // BTYPE = fixed Huffman
    size_t pos = 0;
    while (pos < data.size()) {
        const int run = match_length(data, pos, pixel_bytes);
        const int up = match_length(data, pos, row_bytes);
        const int best = std::max(run, up);
        if (best >= 3) {
            put_match(w, best, up >= run ? int(row_bytes) : int(pixel_bytes));
            pos += size_t(best);
        } else {
            put_literal_length(w, data[pos]);
            pos++;
        }
    }
    put_literal_length(w, 256);
    w.flush();
    const uint32_t a = adler32(data.data(), data.size());
    for (int s = 24; s >= 0; s -= 8) out.push_back(uint8_t(a >> s));
    return out;
}

void put_u32(std::vector<uint8_t>& out, uint32_t v) {
    for (int s = 24; s >= 0; s -= 8) out.push_back(uint8_t(v >> s));
}

void put_chunk(std::vector<uint8_t>& out, const char type[4], const std::vector<uint8_t>& body) {
    put_u32(out, uint32_t(body.size()));
    const size_t start = out.size();
    out.insert(out.end(), type, type + 4);
    out.insert(out.end(), body.begin(), body.end());
    put_u32(out, crc32_update(0, out.data() + start, out.size() - start));
}

}  // namespace

std::vector<uint8_t> png_encode(const image_rgb& image) {
    if (image.width <= 0 || image.height <= 0 ||
        image.pixels.size() != size_t(image.width) * size_t(image.height) * 3)
        fail("png", "image of " + std::to_string(image.width) + "x" + std::to_string(image.height) + " has " +
                        std::to_string(image.pixels.size()) + " bytes, not width*height*3");
    const size_t row_bytes = 1 + size_t(image.width) * 3;
    std::vector<uint8_t> scanlines;
    scanlines.reserve(row_bytes * size_t(image.height));
    for (int y = 0; y < image.height; y++) {
        scanlines.push_back(0);  // filter type None: the row-above match does the Up filter's job
        const auto row = image.pixels.begin() + ptrdiff_t(size_t(y) * (row_bytes - 1));
        scanlines.insert(scanlines.end(), row, row + ptrdiff_t(row_bytes - 1));
    }
    std::vector<uint8_t> out = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    std::vector<uint8_t> header;
    put_u32(header, uint32_t(image.width));
    put_u32(header, uint32_t(image.height));
    header.insert(header.end(), {8, 2, 0, 0, 0});  // 8-bit RGB, deflate, adaptive filters, no interlace
    put_chunk(out, "IHDR", header);
    put_chunk(out, "IDAT", zlib_compress(scanlines, 3, row_bytes));
    put_chunk(out, "IEND", {});
    return out;
}

void png_write(const std::string& path, const image_rgb& image) {
    const std::vector<uint8_t> bytes = png_encode(image);
    FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) fail(path, "cannot write");
    const size_t written = std::fwrite(bytes.data(), 1, bytes.size(), f);
    if (std::fclose(f) != 0 || written != bytes.size()) fail(path, "cannot write");
}

}  // namespace clinote
