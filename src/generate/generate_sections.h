// A note in fixed sections, its structure constrained rather than hoped for: each heading
// ("SUBJECTIVE:") is written into the answer in order, and the model writes what follows
// it until it ends the section — an end-of-generation token, or a line that starts another
// heading, which is cut and replaced by the next heading in order. Every heading appears
// exactly once and in order; a section the model leaves empty reads "None documented.".
// The answer is the one the notes' training targets teach (notes/note_in_template.h): the
// first heading opens it, each later one follows a blank line.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "generate/generate.h"

namespace clinote {

// The sequence a note is decoded into, as the section loop needs it: a model's cache here, or
// the token list a remote server is sent (scribe/backend_decoder.h).
struct token_sequence {
    // Appends `feed` and generates from there under params (answer_before: the note so far,
    // whose tokens are the sequence's last ones).
    std::function<generate_result(const std::vector<int32_t>& feed, const generate_params& params,
                                  const text_callback& on_text)>
        extend;
    std::function<int64_t()> size;
    // Cuts the sequence back to n tokens, then appends `tokens` (which may be empty).
    std::function<void(int64_t n, const std::vector<int32_t>& tokens)> rewind;
};

// params.max_tokens bounds the whole note, headings included; a section may use twice its
// share (at least 64 tokens) of what the later sections leave (16 tokens kept for each).
// params.stop still ends the note. The sequence continues across sections, as one answer.
generate_result generate_sections(const tokenizer& tok, const token_sequence& seq, const std::vector<int32_t>& prompt,
                                  const std::vector<std::string>& headings, const generate_params& params,
                                  const text_callback& on_text = {});

// On a model: the cache of st continues across sections.
generate_result generate_sections(const model& m, inference_state& st, const std::vector<int32_t>& prompt,
                                  const std::vector<std::string>& headings, const generate_params& params,
                                  const text_callback& on_text = {});

}  // namespace clinote
