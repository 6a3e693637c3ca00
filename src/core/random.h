// Seeded random numbers that are the same on every machine and standard library (std::shuffle
// and the std distributions are not): splits, shuffles, dropout masks and ids replay exactly.
#pragma once
#include <cstdint>
#include <utility>
#include <vector>

namespace clinote {

// splitmix64's finaliser of z + the golden-ratio step: value i of a counter-based stream
// is random_mix(base + i).
inline uint64_t random_mix(uint64_t z) {
    z += 0x9e3779b97f4a7c15ull;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

// splitmix64 as a sequential generator: the next value, advancing state.
inline uint64_t random_next(uint64_t& state) {
    const uint64_t value = random_mix(state);
    state += 0x9e3779b97f4a7c15ull;
    return value;
}

// Fisher–Yates with random_next.
template <class T>
void random_shuffle(std::vector<T>& v, uint64_t& state) {
    for (size_t i = v.size(); i > 1; i--) std::swap(v[i - 1], v[size_t(random_next(state) % i)]);
}

}  // namespace clinote
