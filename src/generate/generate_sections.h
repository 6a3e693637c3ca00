// A note in fixed sections, its structure constrained rather than hoped for: each heading
// ("SUBJECTIVE:") is written into the answer in order, and the model writes what follows
// it until it ends the section — an end-of-generation token, or a line that starts another
// heading, which is cut and replaced by the next heading in order. Every heading appears
// exactly once and in order; a section the model leaves empty reads "None documented.".
// The answer is the one the notes' training targets teach (notes/note_in_template.h): the
// first heading opens it, each later one follows a blank line.
#pragma once
#include <string>
#include <vector>

#include "generate/generate.h"

namespace clinote {

// params.max_tokens bounds the whole note, headings included; a section may use twice its
// share (at least 64 tokens) of what the later sections leave (16 tokens kept for each). params.stop still ends the note. The cache of st
// continues across sections, as one answer.
generate_result generate_sections(const model& m, inference_state& st, const std::vector<int32_t>& prompt,
                                  const std::vector<std::string>& headings, const generate_params& params,
                                  const text_callback& on_text = {});

}  // namespace clinote
