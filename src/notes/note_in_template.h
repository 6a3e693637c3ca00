// A dataset's full note rewritten in a template's sections, so that a model trained to
// answer "write these sections in this order" sees answers that do so: each template
// heading ("SUBJECTIVE:") on its own line, followed by the note's sections it covers
// (template_section::covers) under their own headers, in the note's order. Where the
// template keeps assessment and plan apart but the note combines them (ACI-Bench's
// "ASSESSMENT AND PLAN"), the plan's labelled lines ("Medical Treatment: ...", "Additional
// Testing: ...", "Patient Agreements: ...") go to the plan under their problem's title and
// the rest stays in the assessment, without the combined header. Only the arrangement
// changes: every other line of the note is kept, and no word is added but the template's
// headings.
#pragma once
#include <string>
#include <vector>

#include "notes/encounter.h"
#include "notes/note_template.h"

namespace clinote {

std::string note_in_template(const std::vector<note_section>& sections, const note_template& t);

}  // namespace clinote
