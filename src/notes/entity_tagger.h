// A small dictionary + pattern tagger that marks drugs, doses, diagnoses, labs and vitals in
// reference notes, so training data can teach a model to emit entity tags (entities.h).
// It is deliberately simple: precision over recall, and it never changes the note's text.
#pragma once
#include <string>
#include <string_view>

namespace clinote {

// The note with entity tags inserted. entities_strip(entities_tag_text(n)) == n for any n
// that contains no entity tags itself.
std::string entities_tag_text(std::string_view note);

}  // namespace clinote
