// How `clinote note` and `clinote scribe` show a note: the pipeline is scribe/note_write.h;
// this is only its output on a terminal.
#pragma once
#include <string>

#include "scribe/note_write.h"

namespace clinote {

// Writes r's note with m and the adapter (or none): a long visit's parts named on stderr
// first, the note on stdout as it is written, and into out_path too unless it is empty.
// r.n_ctx 0 means the model's own context. Returns the note.
note_result note_print(const model& m, const lora_adapter* adapter, note_request r, const std::string& out_path);

}  // namespace clinote
