// Defects a reader sees at once, whatever the reference: a note that loops, and a note that
// echoes the prompt's instructions instead of following them. Both are counted by
// `clinote eval` and by the generation checks during training.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace clinote {

// Some run of 4 words (lower-cased letters and digits; punctuation ignored) occurs 3 or more
// times: the note repeats itself.
bool note_loops(std::string_view note);
// The first such run ("i m allergic to"), for a reviewer.
std::optional<std::string> note_repeated_run(std::string_view note);

// The note contains 6 consecutive words of the instructions (the system message): it copies
// the template's wording ("chief complaint, history of present illness, review of systems")
// instead of writing the visit.
bool note_echoes_instructions(std::string_view note, std::string_view instructions);
// The first 6 words it copies.
std::optional<std::string> note_echoed_run(std::string_view note, std::string_view instructions);

}  // namespace clinote
