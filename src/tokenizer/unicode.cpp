#include "tokenizer/unicode.h"

#include <algorithm>
#include <vector>

#include "tokenizer/unicode_tables.h"

namespace clinote {

static uint8_t range_lookup(const unicode_range* ranges, size_t n, uint32_t cp) {
    const unicode_range* end = ranges + n;
    const unicode_range* it =
        std::upper_bound(ranges, end, cp, [](uint32_t c, const unicode_range& r) { return c < r.first; });
    if (it == ranges) return 0;
    --it;
    return cp <= it->last ? it->value : 0;
}

uint8_t unicode_classes(uint32_t cp) {
    if (cp < 0x80) {
        // ASCII is by far the most common case; skip the search.
        if ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z') return unicode_letter;
        if (cp >= '0' && cp <= '9') return unicode_number;
        if (cp == ' ' || (cp >= 0x09 && cp <= 0x0D)) return unicode_whitespace;
        return 0;
    }
    return range_lookup(unicode_class_ranges, unicode_class_range_count, cp);
}

uint32_t utf8_next(std::string_view s, size_t& i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    uint32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
    for (size_t k = 1; k < len && i + k < s.size(); k++) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    i += len;
    return cp;
}

// Hangul syllables are composed and decomposed by formula (Unicode 3.12).
constexpr uint32_t hangul_s_base = 0xAC00, hangul_l_base = 0x1100, hangul_v_base = 0x1161,
                   hangul_t_base = 0x11A7, hangul_l_count = 19, hangul_v_count = 21,
                   hangul_t_count = 28, hangul_n_count = hangul_v_count * hangul_t_count,
                   hangul_s_count = hangul_l_count * hangul_n_count;

static uint8_t combining_class(uint32_t cp) {
    return cp < 0x300 ? 0 : range_lookup(unicode_ccc_ranges, unicode_ccc_range_count, cp);
}

static void decompose_append(std::vector<uint32_t>& out, uint32_t cp) {
    if (cp >= hangul_s_base && cp < hangul_s_base + hangul_s_count) {
        const uint32_t s = cp - hangul_s_base;
        out.push_back(hangul_l_base + s / hangul_n_count);
        out.push_back(hangul_v_base + (s % hangul_n_count) / hangul_t_count);
        if (s % hangul_t_count) out.push_back(hangul_t_base + s % hangul_t_count);
        return;
    }
    const unicode_decomposition* end = unicode_decompositions + unicode_decomposition_count;
    const unicode_decomposition* it = std::lower_bound(
        unicode_decompositions, end, cp, [](const unicode_decomposition& d, uint32_t c) { return d.cp < c; });
    if (it != end && it->cp == cp) {
        out.insert(out.end(), unicode_decomposition_data + it->offset,
                   unicode_decomposition_data + it->offset + it->length);
    } else {
        out.push_back(cp);
    }
}

// The primary composite of (a, b), or 0.
static uint32_t compose_pair(uint32_t a, uint32_t b) {
    if (a >= hangul_l_base && a < hangul_l_base + hangul_l_count && b >= hangul_v_base &&
        b < hangul_v_base + hangul_v_count) {
        return hangul_s_base + ((a - hangul_l_base) * hangul_v_count + (b - hangul_v_base)) * hangul_t_count;
    }
    if (a >= hangul_s_base && a < hangul_s_base + hangul_s_count && (a - hangul_s_base) % hangul_t_count == 0 &&
        b > hangul_t_base && b < hangul_t_base + hangul_t_count) {
        return a + (b - hangul_t_base);
    }
    const unicode_composition* end = unicode_compositions + unicode_composition_count;
    const unicode_composition* it = std::lower_bound(
        unicode_compositions, end, std::pair{a, b}, [](const unicode_composition& c, std::pair<uint32_t, uint32_t> k) {
            return c.first != k.first ? c.first < k.first : c.second < k.second;
        });
    return it != end && it->first == a && it->second == b ? it->composite : 0;
}

std::string unicode_nfc(std::string_view s) {
    // Everything below U+0300 is already NFC and never composes with what precedes it.
    if (std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0xCC; })) {
        return std::string(s);
    }
    std::vector<uint32_t> cps;
    for (size_t i = 0; i < s.size();) decompose_append(cps, utf8_next(s, i));

    // Canonical ordering: stable sort of each run of non-starters by combining class.
    for (size_t i = 0; i < cps.size();) {
        if (combining_class(cps[i]) == 0) { i++; continue; }
        size_t j = i;
        while (j < cps.size() && combining_class(cps[j]) != 0) j++;
        std::stable_sort(cps.begin() + i, cps.begin() + j,
                         [](uint32_t a, uint32_t b) { return combining_class(a) < combining_class(b); });
        i = j;
    }

    // Canonical composition (UAX #15): a character joins the last starter unless blocked.
    std::vector<uint32_t> out;
    out.reserve(cps.size());
    size_t starter = SIZE_MAX;
    int last_class = 0;
    for (uint32_t cp : cps) {
        const int cls = combining_class(cp);
        if (starter != SIZE_MAX && (last_class < cls || last_class == 0)) {
            if (uint32_t composite = compose_pair(out[starter], cp)) {
                out[starter] = composite;
                continue;
            }
        }
        if (cls == 0) starter = out.size();
        last_class = cls;
        out.push_back(cp);
    }
    std::string result;
    result.reserve(s.size());
    for (uint32_t cp : out) utf8_append(result, cp);
    return result;
}

std::string utf8_lossy(std::string_view bytes) {
    static const std::string replacement = "\xEF\xBF\xBD";
    std::string out;
    out.reserve(bytes.size());
    size_t i = 0;
    const size_t n = bytes.size();
    auto byte = [&](size_t k) { return static_cast<unsigned char>(bytes[k]); };
    while (i < n) {
        const unsigned char c = byte(i);
        if (c < 0x80) { out += char(c); i++; continue; }
        size_t len = 0;
        unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
        if (c >= 0xC2 && c <= 0xDF) len = 2;
        else if (c == 0xE0) { len = 3; lo = 0xA0; }
        else if (c >= 0xE1 && c <= 0xEF) { len = 3; if (c == 0xED) hi = 0x9F; }
        else if (c == 0xF0) { len = 4; lo = 0x90; }
        else if (c >= 0xF1 && c <= 0xF3) len = 4;
        else if (c == 0xF4) { len = 4; hi = 0x8F; }
        if (len == 0) { out += replacement; i++; continue; }
        size_t k = 1;
        while (k < len && i + k < n) {
            const unsigned char cc = byte(i + k);
            const bool ok = k == 1 ? (cc >= lo && cc <= hi) : (cc >= 0x80 && cc <= 0xBF);
            if (!ok) break;
            k++;
        }
        if (k == len) out.append(bytes.substr(i, len));
        else out += replacement;
        i += k;
    }
    return out;
}

}  // namespace clinote
