// Giving back the memory of mapped pages that will not be read again.
#pragma once
#include <cstddef>

#include "core/mapped_file.h"

namespace clinote {

// Drops the mapped pages that lie wholly inside [p, p + n) from the process's resident set
// (madvise MADV_DONTNEED): for weights that were copied out and are not read again (QLoRA's
// NF4 base). The mapping stays valid: a page touched again is read back from the file.
// Ranges outside `f` are ignored.
void mapped_file_release(const mapped_file& f, const void* p, size_t n);

}  // namespace clinote
