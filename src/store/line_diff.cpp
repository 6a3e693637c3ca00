#include "store/line_diff.h"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace clinote {

namespace {

struct line {
    std::string_view text;  // without '\n'
    bool newline;           // false only for a last line with no '\n'
    bool operator==(const line& o) const { return text == o.text && newline == o.newline; }
};

std::vector<line> split_lines(std::string_view s) {
    std::vector<line> out;
    size_t start = 0;
    while (start < s.size()) {
        const size_t nl = s.find('\n', start);
        if (nl == std::string_view::npos) {
            out.push_back({s.substr(start), false});
            break;
        }
        out.push_back({s.substr(start, nl - start), true});
        start = nl + 1;
    }
    return out;
}

enum class op { keep, del, add };

// Longest common subsequence by dynamic programming over the lines left after trimming the
// common prefix and suffix; notes are short, so O(n*m) on what differs is cheap.
std::vector<op> edit_script(const std::vector<line>& a, const std::vector<line>& b) {
    size_t pre = 0;
    while (pre < a.size() && pre < b.size() && a[pre] == b[pre]) pre++;
    size_t suf = 0;
    while (suf < a.size() - pre && suf < b.size() - pre && a[a.size() - 1 - suf] == b[b.size() - 1 - suf]) suf++;
    const size_t n = a.size() - pre - suf, m = b.size() - pre - suf;
    std::vector<uint32_t> L((n + 1) * (m + 1), 0);  // L[i][j]: LCS of a[i..], b[j..]
    auto at = [&](size_t i, size_t j) -> uint32_t& { return L[i * (m + 1) + j]; };
    for (size_t i = n; i-- > 0;)
        for (size_t j = m; j-- > 0;)
            at(i, j) = a[pre + i] == b[pre + j] ? at(i + 1, j + 1) + 1 : std::max(at(i + 1, j), at(i, j + 1));
    std::vector<op> ops(pre, op::keep);
    size_t i = 0, j = 0;
    while (i < n || j < m) {
        if (i < n && j < m && a[pre + i] == b[pre + j]) {
            ops.push_back(op::keep);
            i++, j++;
        } else if (j < m && (i == n || at(i, j + 1) >= at(i + 1, j))) {
            ops.push_back(op::add);
            j++;
        } else {
            ops.push_back(op::del);
            i++;
        }
    }
    // diff -u lists a hunk's deletions before its additions; the DP walk interleaves them.
    for (size_t k = 0; k < ops.size();) {
        size_t e = k;
        while (e < ops.size() && ops[e] != op::keep) e++;
        std::stable_partition(ops.begin() + k, ops.begin() + e, [](op o) { return o == op::del; });
        k = e + 1;
    }
    ops.insert(ops.end(), suf, op::keep);
    return ops;
}

void emit(std::string& out, char mark, const line& l) {
    out += mark;
    out.append(l.text);
    out += '\n';
    if (!l.newline) out += "\\ No newline at end of file\n";
}

std::string range(size_t start, size_t count) {
    // diff -u: a range of one line is written "N", an empty range "N-1,0".
    if (count == 1) return std::to_string(start + 1);
    return std::to_string(count == 0 ? start : start + 1) + "," + std::to_string(count);
}

}  // namespace

std::string line_diff_unified(std::string_view a_text, std::string_view b_text, int context) {
    const std::vector<line> a = split_lines(a_text), b = split_lines(b_text);
    const std::vector<op> ops = edit_script(a, b);
    const size_t ctx = size_t(std::max(context, 0));
    std::string out;
    size_t k = 0;
    while (k < ops.size()) {
        if (ops[k] == op::keep) {
            k++;
            continue;
        }
        // A hunk: from ctx lines before this change to ctx lines after the last change that
        // is no more than 2*ctx unchanged lines from the previous one.
        const size_t first = k >= ctx ? k - ctx : 0;  // the previous hunk ended more than ctx lines ago
        size_t last = k;  // one past the last change
        size_t scan = k;
        while (scan < ops.size()) {
            if (ops[scan] != op::keep) {
                last = scan + 1;
                scan++;
                continue;
            }
            size_t run = scan;
            while (run < ops.size() && ops[run] == op::keep) run++;
            if (run == ops.size() || run - scan > 2 * ctx) break;
            scan = run;
        }
        const size_t end = std::min(ops.size(), last + ctx);
        // Line numbers at `first`.
        size_t ai = 0, bi = 0;
        for (size_t t = 0; t < first; t++) {
            if (ops[t] != op::add) ai++;
            if (ops[t] != op::del) bi++;
        }
        size_t na = 0, nb = 0;
        for (size_t t = first; t < end; t++) {
            if (ops[t] != op::add) na++;
            if (ops[t] != op::del) nb++;
        }
        out += "@@ -" + range(ai, na) + " +" + range(bi, nb) + " @@\n";
        for (size_t t = first; t < end; t++) {
            if (ops[t] == op::keep) emit(out, ' ', a[ai++]), bi++;
            else if (ops[t] == op::del) emit(out, '-', a[ai++]);
            else emit(out, '+', b[bi++]);
        }
        k = end;
    }
    return out;
}

}  // namespace clinote
