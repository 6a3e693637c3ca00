// The clinic's own note templates as stored in the vault, checked as they are read.
#pragma once
#include <vector>

#include "notes/note_template.h"
#include "store/vault.h"

namespace clinote {

// One that is not a template (an archive can carry anything) is left out rather than
// failing every request that lists them.
std::vector<note_template> vault_templates(vault& v);

}  // namespace clinote
