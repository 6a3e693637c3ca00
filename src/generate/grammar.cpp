// The byte-level pushdown matcher: one frame per open JSON value, each advanced by a small
// state machine of its kind. A number or an ambiguous literal ends implicitly, when a byte
// arrives that it cannot take: that byte is then handed to the enclosing value.
#include "generate/grammar.h"

#include <algorithm>
#include <cstring>

#include "core/error.h"
#include "generate/grammar_internal.h"

namespace clinote {

namespace {

enum : uint8_t { obj_open, obj_start, obj_key, obj_after_value, obj_after_comma };
enum : uint8_t { map_open, map_start, map_colon, map_after_value, map_after_comma };
enum : uint8_t { arr_open, arr_start, arr_after_item, arr_after_comma };
enum : uint8_t { str_open, str_body, str_escape, str_hex, str_utf8 };
enum : uint8_t { num_start, num_minus, num_zero, num_int, num_dot, num_frac };

constexpr int max_int_digits = 15;
constexpr int max_frac_digits = 6;

__int128 pow10(int n) {
    __int128 p = 1;
    while (n-- > 0) p *= 10;
    return p;
}

// Narrows [lo, hi), a range of bytewise-sorted literals sharing their first `pos` bytes, to those
// whose byte at `pos` is ch. The literal of length `pos`, if any, sorts first.
template <class Get>
bool literal_narrow(Get get, uint32_t& lo, uint32_t& hi, uint32_t pos, uint8_t ch) {
    uint32_t first = lo;
    while (first < hi && (get(first).size() <= pos || uint8_t(get(first)[pos]) < ch)) first++;
    uint32_t last = first;
    while (last < hi && get(last).size() > pos && uint8_t(get(last)[pos]) == ch) last++;
    if (first == last) return false;
    lo = first;
    hi = last;
    return true;
}

// Where a UTF-8 lead byte goes: how many continuation bytes, and the range of the first one
// (narrower after E0, ED, F0, F4 so overlongs, surrogates and code points past U+10FFFF are out).
bool utf8_lead(uint8_t ch, uint32_t& remaining, uint32_t& range) {
    auto set = [&](uint32_t n, uint32_t lo, uint32_t hi) { remaining = n; range = lo | hi << 8; return true; };
    if (ch >= 0xC2 && ch <= 0xDF) return set(1, 0x80, 0xBF);
    if (ch == 0xE0) return set(2, 0xA0, 0xBF);
    if (ch == 0xED) return set(2, 0x80, 0x9F);
    if (ch >= 0xE1 && ch <= 0xEF) return set(2, 0x80, 0xBF);
    if (ch == 0xF0) return set(3, 0x90, 0xBF);
    if (ch >= 0xF1 && ch <= 0xF3) return set(3, 0x80, 0xBF);
    if (ch == 0xF4) return set(3, 0x80, 0x8F);
    return false;
}

int hex_value(uint8_t ch) {
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

void push_value(grammar_state& st, uint32_t node) {
    st.stack.push_back(grammar_frame_open(*st.grammar, node));
}

std::string digits_padded(__int128 v, int width) {
    std::string s(size_t(width), '0');
    for (int i = width - 1; i >= 0; i--, v /= 10) s[size_t(i)] = char('0' + int(v % 10));
    return s;
}

bool number_accepting(const grammar_node& n, const grammar_frame& f) {
    if (f.phase != num_zero && f.phase != num_int && f.phase != num_frac) return false;
    std::string suffix;
    return number_suffix(n, f, &suffix) && suffix.empty();
}

bool literal_complete(const grammar_node& n, const grammar_frame& f) {
    return f.b > f.a && n.literals[f.a].size() == f.c;
}

}  // namespace

grammar_frame grammar_frame_open(const json_grammar& g, uint32_t node) {
    grammar_frame f;
    f.node = node;
    if (g.nodes[node].kind == grammar_kind::literals) f.b = uint32_t(g.nodes[node].literals.size());
    return f;
}

bool number_suffix(const grammar_node& n, const grammar_frame& f, std::string* out) {
    const bool decimals = n.kind == grammar_kind::number;
    const __int128 scale = decimals ? pow10(max_frac_digits) : 1;
    // The signed bounds as bounds on the magnitude.
    const __int128 inf = pow10(30);  // above any magnitude written (10^21 scaled)
    __int128 mag_lo, mag_hi;
    if (f.negative) {
        mag_lo = n.bounded_hi ? -n.hi : 0;
        mag_hi = n.bounded_lo ? -n.lo : inf;
    } else {
        mag_lo = n.bounded_lo ? n.lo : 0;
        mag_hi = n.bounded_hi ? n.hi : inf;
    }
    // Negative zero ("-0", "-0.0") is never written: a minus sign needs a non-zero magnitude.
    mag_lo = std::max<__int128>(mag_lo, f.negative ? 1 : 0);
    if (mag_lo > mag_hi) return false;

    const bool have_int = f.phase == num_zero || f.phase == num_int;
    const bool in_frac = f.phase == num_dot || f.phase == num_frac;
    const int written_int = int(f.a), written_frac = int(f.b);
    const int max_more_int = in_frac || f.phase == num_zero ? 0 : max_int_digits - written_int;
    const int min_more_int = have_int || in_frac ? 0 : 1;
    const int max_more_frac = decimals ? max_frac_digits - written_frac : 0;
    const int min_more_frac = f.phase == num_dot ? 1 : 0;

    int best_len = -1;
    for (int k = min_more_int; k <= max_more_int; k++) {
        // The integer part after k more digits ranges over [ilo, ihi].
        __int128 ilo, ihi;
        if (have_int || in_frac) {
            ilo = __int128(f.x) * pow10(k);
            ihi = ilo + pow10(k) - 1;
        } else {
            ilo = k == 1 ? 0 : pow10(k - 1);
            ihi = pow10(k) - 1;
        }
        for (int m = min_more_frac; m <= max_more_frac; m++) {
            const bool new_dot = !in_frac && m > 0;
            const int len = k + m + (new_dot ? 1 : 0);
            if (best_len >= 0 && len >= best_len) continue;
            // Values reachable: a grid from `start` with spacing `step`, `count` points.
            const int frac_total = in_frac ? written_frac + m : m;
            const __int128 step = decimals ? pow10(max_frac_digits - frac_total) : 1;
            __int128 start = ilo * scale, end;
            if (in_frac) {
                start += __int128(f.y) * pow10(max_frac_digits - written_frac);
                end = start + (pow10(m) - 1) * step;
            } else {
                end = ihi * scale + (pow10(m) - 1) * step;
            }
            __int128 v = start;
            if (mag_lo > v) v = start + (mag_lo - start + step - 1) / step * step;
            if (v > end || v > mag_hi) continue;
            best_len = len;
            if (!out) return true;
            std::string s;
            const __int128 int_part = v / scale;
            if (k > 0) s += digits_padded(int_part % pow10(k), k);
            if (new_dot) s += '.';
            if (m > 0) s += digits_padded(v % scale / step % pow10(m), m);
            *out = s;
        }
    }
    return best_len >= 0;
}

grammar_state grammar_start(const json_grammar& g) {
    grammar_state st;
    st.grammar = &g;
    push_value(st, 0);
    return st;
}

namespace {

// What a frame did with a byte: took it, refused it, or finished (or turned into its chosen
// alternative) without taking it, so the byte goes to the new top of the stack.
enum class step_result { take, refuse, again };

step_result step_choice(grammar_state& st, grammar_frame& f, const grammar_node& n, uint8_t ch) {
    const json_grammar& g = *st.grammar;
    const uint32_t* alt = std::find_if(n.children.data(), n.children.data() + n.children.size(),
                                       [&](uint32_t c) { return g.nodes[c].first_byte[ch]; });
    if (alt == n.children.data() + n.children.size()) return step_result::refuse;
    f = grammar_frame_open(g, *alt);
    return step_result::again;
}

step_result step_literals(grammar_state& st, grammar_frame& f, const grammar_node& n, uint8_t ch) {
    auto get = [&](uint32_t i) -> const std::string& { return n.literals[i]; };
    if (literal_narrow(get, f.a, f.b, f.c, ch)) {
        f.c++;
        if (f.b - f.a == 1 && n.literals[f.a].size() == f.c) st.stack.pop_back();
        return step_result::take;
    }
    if (!literal_complete(n, f)) return step_result::refuse;
    st.stack.pop_back();
    return step_result::again;
}

// a: the next property that may come; in obj_key, x is where the key choice started and
// [a, b) the key literals still matching their first c bytes.
step_result step_object(grammar_state& st, grammar_frame& f, const grammar_node& n, uint8_t ch) {
    switch (f.phase) {
    case obj_open:
        if (ch != '{') return step_result::refuse;
        f.phase = obj_start;
        return step_result::take;
    case obj_start:
    case obj_after_comma: {
        const uint32_t next = f.phase == obj_start ? 0 : f.a;
        if (f.phase == obj_start && ch == '}' && n.close_ok[0]) {
            st.stack.pop_back();
            return step_result::take;
        }
        if (next >= n.keys.size()) return step_result::refuse;
        f.phase = obj_key;
        f.x = next;
        f.a = 0;
        f.b = uint32_t(n.key_choices[next].size());
        f.c = 0;
        return step_result::again;
    }
    case obj_key: {
        const auto& choices = n.key_choices[size_t(f.x)];
        auto get = [&](uint32_t i) -> const std::string& { return choices[i].first; };
        if (!literal_narrow(get, f.a, f.b, f.c, ch)) return step_result::refuse;
        f.c++;
        // No key literal is a prefix of another (each ends in `":` and quotes inside are
        // escaped), so a full match is the only candidate left.
        if (choices[f.a].first.size() == f.c) {
            const uint32_t prop = choices[f.a].second;
            f.phase = obj_after_value;
            f.a = prop + 1;
            push_value(st, n.children[prop]);
        }
        return step_result::take;
    }
    case obj_after_value:
        if (ch == ',' && f.a < n.keys.size()) {
            f.phase = obj_after_comma;
            return step_result::take;
        }
        if (ch == '}' && n.close_ok[f.a]) {
            st.stack.pop_back();
            return step_result::take;
        }
        return step_result::refuse;
    }
    return step_result::refuse;
}

// Any keys: each is a frame of the key string node, then ':' and a value.
step_result step_map(grammar_state& st, grammar_frame& f, const grammar_node& n, uint8_t ch) {
    switch (f.phase) {
    case map_open:
        if (ch != '{') return step_result::refuse;
        f.phase = map_start;
        return step_result::take;
    case map_start:
        if (ch == '}') {
            st.stack.pop_back();
            return step_result::take;
        }
        [[fallthrough]];
    case map_after_comma:
        f.phase = map_colon;
        push_value(st, n.children[1]);
        return step_result::again;
    case map_colon:
        if (ch != ':') return step_result::refuse;
        f.phase = map_after_value;
        push_value(st, n.children[0]);
        return step_result::take;
    case map_after_value:
        if (ch == ',') {
            f.phase = map_after_comma;
            return step_result::take;
        }
        if (ch != '}') return step_result::refuse;
        st.stack.pop_back();
        return step_result::take;
    }
    return step_result::refuse;
}

// a: items started.
step_result step_array(grammar_state& st, grammar_frame& f, const grammar_node& n, uint8_t ch) {
    switch (f.phase) {
    case arr_open:
        if (ch != '[') return step_result::refuse;
        f.phase = arr_start;
        return step_result::take;
    case arr_start:
        if (ch == ']' && n.min_count == 0) {
            st.stack.pop_back();
            return step_result::take;
        }
        [[fallthrough]];
    case arr_after_comma:
        if (f.a >= n.max_count) return step_result::refuse;
        f.a++;
        f.phase = arr_after_item;
        push_value(st, n.children[0]);
        return step_result::again;
    case arr_after_item:
        if (ch == ',' && f.a < n.max_count) {
            f.phase = arr_after_comma;
            return step_result::take;
        }
        if (ch == ']' && f.a >= n.min_count) {
            st.stack.pop_back();
            return step_result::take;
        }
        return step_result::refuse;
    }
    return step_result::refuse;
}

// a: characters started; b, c: continuation bytes left and the next one's range (UTF-8), or
// hex digits read and whether a surrogate is being written (\u escape).
step_result step_string(grammar_state& st, grammar_frame& f, const grammar_node& n, uint8_t ch) {
    switch (f.phase) {
    case str_open:
        if (ch != '"') return step_result::refuse;
        f.phase = str_body;
        return step_result::take;
    case str_body:
        if (ch == '"') {
            if (f.a < n.min_count) return step_result::refuse;
            st.stack.pop_back();
            return step_result::take;
        }
        if (ch < 0x20 || f.a >= n.max_count) return step_result::refuse;
        if (ch == '\\') {
            f.phase = str_escape;
        } else if (ch >= 0x80) {
            if (!utf8_lead(ch, f.b, f.c)) return step_result::refuse;
            f.phase = str_utf8;
        }
        f.a++;  // a character started; escapes and multi-byte ones count once
        return step_result::take;
    case str_utf8:
        if (ch < (f.c & 0xFF) || ch > (f.c >> 8)) return step_result::refuse;
        f.c = 0x80 | 0xBF << 8;
        if (--f.b == 0) f.phase = str_body;
        return step_result::take;
    case str_escape:
        if (ch == 'u') {
            f.phase = str_hex;
            f.b = 0;
            f.c = 0;
            return step_result::take;
        }
        if (!std::strchr("\"\\/bfnrt", ch) || ch == 0) return step_result::refuse;
        f.phase = str_body;
        return step_result::take;
    case str_hex: {
        const int v = hex_value(ch);
        if (v < 0) return step_result::refuse;
        // \uD800-\uDFFF would need a surrogate pair: only scalar values are written.
        if (f.b == 0 && v == 0xD) f.c = 1;
        if (f.b == 1 && f.c == 1 && v >= 8) return step_result::refuse;
        if (++f.b == 4) f.phase = str_body;
        return step_result::take;
    }
    }
    return step_result::refuse;
}

// a, b: integer and fraction digits written; x, y: their values. A byte is taken only if the
// number can still end within the node's bounds.
step_result step_number(grammar_state& st, grammar_frame& f, const grammar_node& n, uint8_t ch) {
    const bool decimals = n.kind == grammar_kind::number;
    const bool digit = ch >= '0' && ch <= '9';
    grammar_frame next = f;
    bool takes = false;
    switch (f.phase) {
    case num_start:
        if (ch == '-') {
            next.phase = num_minus;
            next.negative = 1;
            takes = true;
            break;
        }
        [[fallthrough]];
    case num_minus:
        if (digit) {
            next.phase = ch == '0' ? num_zero : num_int;
            next.a = 1;
            next.x = ch - '0';
            takes = true;
        }
        break;
    case num_zero:
    case num_int:
        if (decimals && ch == '.') {
            next.phase = num_dot;
            takes = true;
        } else if (digit && f.phase == num_int && f.a < max_int_digits) {
            next.a++;
            next.x = f.x * 10 + (ch - '0');
            takes = true;
        }
        break;
    case num_dot:
    case num_frac:
        if (digit && f.b < max_frac_digits) {
            next.phase = num_frac;
            next.b++;
            next.y = f.y * 10 + (ch - '0');
            takes = true;
        }
        break;
    }
    if (takes) {
        if (!number_suffix(n, next, nullptr)) return step_result::refuse;
        f = next;
        return step_result::take;
    }
    if (!number_accepting(n, f)) return step_result::refuse;
    st.stack.pop_back();
    return step_result::again;
}

step_result step_frame(grammar_state& st, uint8_t ch) {
    grammar_frame& f = st.stack.back();
    const grammar_node& n = st.grammar->nodes[f.node];
    switch (n.kind) {
    case grammar_kind::choice: return step_choice(st, f, n, ch);
    case grammar_kind::literals: return step_literals(st, f, n, ch);
    case grammar_kind::object: return step_object(st, f, n, ch);
    case grammar_kind::map: return step_map(st, f, n, ch);
    case grammar_kind::array: return step_array(st, f, n, ch);
    case grammar_kind::string: return step_string(st, f, n, ch);
    case grammar_kind::integer:
    case grammar_kind::number: return step_number(st, f, n, ch);
    }
    return step_result::refuse;
}

}  // namespace

bool grammar_step(grammar_state& st, uint8_t ch) {
    st.started = true;
    for (;;) {
        if (st.stack.empty()) return false;
        switch (step_frame(st, ch)) {
        case step_result::take: return true;
        case step_result::refuse: return false;
        case step_result::again: break;
        }
    }
}

bool grammar_advance(grammar_state& st, std::string_view bytes) {
    grammar_state next = st;
    for (char ch : bytes)
        if (!grammar_step(next, uint8_t(ch))) return false;
    st = std::move(next);
    return true;
}

bool grammar_is_complete(const grammar_state& st) {
    if (st.stack.empty()) return st.started;
    if (st.stack.size() != 1) return false;
    const grammar_frame& f = st.stack.back();
    const grammar_node& n = st.grammar->nodes[f.node];
    if (n.kind == grammar_kind::integer || n.kind == grammar_kind::number) return number_accepting(n, f);
    if (n.kind == grammar_kind::literals) return literal_complete(n, f);
    return false;
}

std::string grammar_node_shortest(const json_grammar& g, uint32_t node) {
    const grammar_node& n = g.nodes[node];
    switch (n.kind) {
    case grammar_kind::literals: {
        if (std::find(n.literals.begin(), n.literals.end(), "null") != n.literals.end()) return "null";
        const auto it = std::min_element(n.literals.begin(), n.literals.end(),
                                         [](const std::string& a, const std::string& b) { return a.size() < b.size(); });
        return *it;
    }
    case grammar_kind::choice: {
        // A nullable value is finished as null: unknown stays unknown rather than a filler.
        std::string best;
        for (size_t i = 0; i < n.children.size(); i++) {
            const std::string& s = g.nodes[n.children[i]].shortest;
            if (s == "null") return s;
            if (i == 0 || s.size() < best.size()) best = s;
        }
        return best;
    }
    case grammar_kind::string:
        return '"' + std::string(n.min_count, 'x') + '"';
    case grammar_kind::integer:
    case grammar_kind::number: {
        grammar_frame f;
        f.node = node;
        std::string plus, minus;
        const bool has_plus = number_suffix(n, f, &plus);
        f.phase = num_minus;
        f.negative = 1;
        const bool has_minus = number_suffix(n, f, &minus);
        if (has_plus && (!has_minus || plus.size() <= minus.size() + 1)) return plus;
        return '-' + minus;
    }
    case grammar_kind::array: {
        std::string s = "[";
        for (uint32_t i = 0; i < n.min_count; i++) s += (i ? "," : "") + g.nodes[n.children[0]].shortest;
        return s + "]";
    }
    case grammar_kind::map:
        return "{}";
    case grammar_kind::object: {
        std::string s = "{";
        for (size_t i = 0; i < n.keys.size(); i++)
            if (n.required[i]) s += (s.size() > 1 ? "," : "") + n.keys[i] + g.nodes[n.children[i]].shortest;
        return s + "}";
    }
    }
    return {};
}

namespace {

// Bytes that finish the top frame, or its next part (a key, a partial character).
std::string frame_completion(const grammar_state& st) {
    const json_grammar& g = *st.grammar;
    const grammar_frame& f = st.stack.back();
    const grammar_node& n = g.nodes[f.node];
    switch (n.kind) {
    case grammar_kind::choice:
        return n.shortest;
    case grammar_kind::literals: {
        std::string best;
        for (uint32_t i = f.a; i < f.b; i++)
            if (i == f.a || n.literals[i].size() < best.size()) best = n.literals[i];
        return best.substr(f.c);
    }
    case grammar_kind::integer:
    case grammar_kind::number: {
        if (f.phase == num_start) return n.shortest;
        std::string s;
        number_suffix(n, f, &s);
        return s;
    }
    case grammar_kind::string:
        switch (f.phase) {
        case str_open: return n.shortest;
        case str_body: return std::string(f.a < n.min_count ? n.min_count - f.a : 0, 'x') + '"';
        case str_escape: return "n";
        case str_hex: return std::string(4 - f.b, '0');
        case str_utf8: {  // built in place: GCC 12 warns (-Wrestrict) on the two-string sum
            std::string rest(1, char(f.c & 0xFF));
            rest.append(size_t(f.b - 1), char(0x80));
            return rest;
        }
        }
        return {};
    case grammar_kind::array: {
        const std::string& item = g.nodes[n.children[0]].shortest;
        switch (f.phase) {
        case arr_open: return n.shortest;
        case arr_start: return n.shortest.substr(1);
        case arr_after_comma: return item;
        case arr_after_item: return f.a < n.min_count ? "," + item : "]";
        }
        return {};
    }
    case grammar_kind::map:
        switch (f.phase) {
        case map_open: return n.shortest;
        case map_start:
        case map_after_value: return "}";
        case map_colon: return ":";
        case map_after_comma: return "\"\"";
        }
        return {};
    case grammar_kind::object: {
        switch (f.phase) {
        case obj_open: return n.shortest;
        case obj_start:
        case obj_after_value: {
            const uint32_t next = f.phase == obj_start ? 0 : f.a;
            if (n.close_ok[next]) return "}";
            // A required property lies ahead: its key comes next (after a comma if one is due).
            uint32_t r = next;
            while (!n.required[r]) r++;
            return (f.phase == obj_after_value ? "," : "") + n.keys[r];
        }
        case obj_after_comma:
        case obj_key: {
            // Among the keys still possible, the one whose key and shortest value are shortest;
            // a required one among them must be written anyway, so it wins.
            const auto& choices = n.key_choices[f.phase == obj_key ? size_t(f.x) : f.a];
            const uint32_t lo = f.phase == obj_key ? f.a : 0;
            const uint32_t hi = f.phase == obj_key ? f.b : uint32_t(choices.size());
            const uint32_t pos = f.phase == obj_key ? f.c : 0;
            uint32_t best = lo;
            size_t best_len = SIZE_MAX;
            for (uint32_t i = lo; i < hi; i++) {
                const uint32_t prop = choices[i].second;
                const size_t len = n.required[prop] ? 0 : choices[i].first.size() + g.nodes[n.children[prop]].shortest.size();
                if (len < best_len) { best = i; best_len = len; }
            }
            return choices[best].first.substr(pos);
        }
        }
        return {};
    }
    }
    return {};
}

}  // namespace

std::string grammar_shortest_completion(const grammar_state& st_in) {
    grammar_state st = st_in;
    std::string out;
    while (!grammar_is_complete(st) && !st.stack.empty()) {
        const std::string piece = frame_completion(st);
        for (char ch : piece)
            if (!grammar_step(st, uint8_t(ch))) fail("grammar", "internal error: completion rejected");
        out += piece;
        // A number or literal that is now complete ends here (its closing byte belongs to the parent).
        if (!st.stack.empty()) {
            const grammar_frame& f = st.stack.back();
            const grammar_node& n = st.grammar->nodes[f.node];
            const bool ends = (n.kind == grammar_kind::integer || n.kind == grammar_kind::number) ? number_accepting(n, f)
                              : n.kind == grammar_kind::literals ? literal_complete(n, f) : false;
            if (ends && st.stack.size() > 1) st.stack.pop_back();
            else if (piece.empty()) fail("grammar", "internal error: completion made no progress");
        }
    }
    return out;
}

}  // namespace clinote
