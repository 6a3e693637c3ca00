// line_diff_unified against GNU diff -u (run at test time: diffutils is part of every
// Debian system) on edits whose minimal alignment is unique, so both must agree exactly.
#include <gtest/gtest.h>

#include <cstdio>

#include "store/line_diff.h"
#include "store_test_util.h"

namespace clinote {
namespace {

std::string gnu_diff(const std::string& a, const std::string& b) {
    test::temp_dir d;
    test::write_bytes(d.path / "a", a);
    test::write_bytes(d.path / "b", b);
    const std::string cmd = "diff -u '" + (d.path / "a").string() + "' '" + (d.path / "b").string() + "'";
    FILE* p = popen(cmd.c_str(), "r");
    std::string out;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    pclose(p);
    // Drop the two header lines (file names and times).
    for (int i = 0; i < 2 && !out.empty(); i++) out.erase(0, out.find('\n') + 1);
    return out;
}

std::string numbered(int from, int to, const std::string& tag = "line") {
    std::string s;
    for (int i = from; i <= to; i++) s += tag + " " + std::to_string(i) + "\n";
    return s;
}

TEST(LineDiff, IdenticalTextsGiveNoDiff) { EXPECT_EQ(line_diff_unified("a\nb\n", "a\nb\n"), ""); }

TEST(LineDiff, MatchesGnuDiff) {
    if (std::system("diff --version > /dev/null 2>&1") != 0) GTEST_SKIP() << "GNU diff is not installed";
    const std::string base = numbered(1, 30);
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"S: cough\nO: clear\nP: rest\n", "S: cough for 3 days\nO: clear\nP: rest\n"},
        {base, numbered(1, 9) + "changed 10\n" + numbered(11, 30)},             // one hunk mid-file
        {base, numbered(1, 2) + "x\n" + numbered(3, 27) + "y\n" + numbered(28, 30)},  // two hunks
        {base, numbered(1, 10) + "x\n" + numbered(11, 16) + "y\n" + numbered(17, 30)},  // gap of 6: merged
        {base, numbered(1, 10) + "x\n" + numbered(11, 17) + "y\n" + numbered(18, 30)},  // gap of 7: split
        {base, numbered(2, 30)},                                                 // first line deleted
        {base, base + "appended\n"},
        {"", "new note\n"},
        {"old note\n", ""},
        {"a\nb", "a\nc"},  // no newline at end of file
        {"a\nb\n", "a\nb"},
        {numbered(1, 5), numbered(1, 2) + "p\nq\n" + numbered(5, 5)},  // two lines replaced by two
    };
    for (const auto& [a, b] : cases) EXPECT_EQ(line_diff_unified(a, b), gnu_diff(a, b)) << "a:\n" << a << "b:\n" << b;
}

}  // namespace
}  // namespace clinote
