// Counter-based random numbers for training: value i of stream s depends on (seed, s, i)
// alone, so initialisation, dropout and shuffles replay exactly after a resume.
#pragma once
#include <cstdint>

namespace clinote {

// splitmix64's finaliser.
inline uint64_t random_mix(uint64_t z) {
    z += 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

// A stream id derived from a seed and a purpose/index.
inline uint64_t random_stream(uint64_t seed, uint64_t index) { return random_mix(random_mix(seed) ^ random_mix(index + 0x51ed)); }

// Uniform in [0, 1) with 53 random bits.
inline double random_uniform(uint64_t stream, uint64_t i) { return double(random_mix(stream + i) >> 11) * 0x1.0p-53; }

}  // namespace clinote
