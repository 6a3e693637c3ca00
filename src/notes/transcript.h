// Turning a dialogue as datasets and users write it into turns.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "notes/encounter.h"

namespace clinote {

// Splits a dialogue into turns. A turn starts at a line beginning "Label:" (MTS-Dialog,
// PriMock57) or at "[label]" anywhere in a line (ACI-Bench, whose ASR variants put a whole
// visit on one line), where the label is a known speaker (speaker_normalize). Lines with no
// label continue the previous turn; text before the first label becomes a "Speaker" turn.
// Whitespace runs inside a turn collapse to single spaces; empty turns are dropped.
std::vector<turn> transcript_parse(std::string_view text);

// "Speaker: text" lines joined with '\n' (the inverse of transcript_parse for clean input).
std::string transcript_format(const std::vector<turn>& turns);

}  // namespace clinote
