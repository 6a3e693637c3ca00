// Where the repository's own files and the read-only shared data live.
#pragma once
#include <string>

namespace clinote {

// The repository root this build came from (tests read golden files below it).
std::string source_dir();
// ../shared beside the repository, or $CLINOTE_SHARED when set.
std::string shared_dir();

}  // namespace clinote
