// Counter-based random numbers for training: value i of stream s depends on (seed, s, i)
// alone, so initialisation, dropout and shuffles replay exactly after a resume.
#pragma once
#include <cstdint>

#include "core/random.h"

namespace clinote {

// A stream id derived from a seed and a purpose/index.
inline uint64_t random_stream(uint64_t seed, uint64_t index) { return random_mix(random_mix(seed) ^ random_mix(index + 0x51ed)); }

// Uniform in [0, 1) with 53 random bits.
inline double random_uniform(uint64_t stream, uint64_t i) { return double(random_mix(stream + i) >> 11) * 0x1.0p-53; }

}  // namespace clinote
