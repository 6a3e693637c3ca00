// Where clinote's own files, the models and the read-only shared data live, for a build run
// from its source tree and for an installed copy (cmake --install) alike.
#pragma once
#include <string>

namespace clinote {

// The repository root this build came from (tests read golden files below it).
std::string source_dir();
// ../shared beside the repository, or $CLINOTE_SHARED when set.
std::string shared_dir();
// The application's files (web/, data/lexicon/, adapters/, templates/, schemas/):
// $CLINOTE_HOME when set, else <executable's folder>/../share/clinote when installed there,
// else the source tree.
std::string app_dir();
// Models: $CLINOTE_MODELS when set; for an installed copy (or with $CLINOTE_HOME) the user's
// data folder, $XDG_DATA_HOME/clinote/models (~/.local/share/clinote/models); else the source
// tree's models/, where scripts/setup.sh puts them.
std::string models_dir();

}  // namespace clinote
