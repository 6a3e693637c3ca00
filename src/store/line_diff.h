// Line diff between a note draft and the version a clinician approved, stored with the
// approval so a reviewer sees exactly what the clinician changed.
#pragma once
#include <string>
#include <string_view>

namespace clinote {

// Unified diff (as `diff -u` prints it, without the file header lines) from a to b, with
// `context` unchanged lines around each change; empty when a == b. Minimal: the changed
// lines are those outside a longest common subsequence of lines. A final line without
// '\n' is marked "\ No newline at end of file".
std::string line_diff_unified(std::string_view a, std::string_view b, int context = 3);

}  // namespace clinote
