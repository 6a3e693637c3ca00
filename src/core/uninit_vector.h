// A std::vector whose resize leaves new elements unwritten, for buffers the next operation
// overwrites whole (activations, scratch): zero-filling them first was ~4% of a training
// step (memset in perf, docs/experiments.md, benchmark history). Buffers that are accumulated into are still
// zeroed explicitly (assign).
#pragma once
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

namespace clinote {

template <typename T>
struct default_init_allocator : std::allocator<T> {
    template <typename U>
    struct rebind {
        using other = default_init_allocator<U>;
    };
    default_init_allocator() = default;
    template <typename U>
    default_init_allocator(const default_init_allocator<U>&) noexcept {}

    // Value-initialisation (what resize asks for) becomes default-initialisation: for
    // float, nothing is written.
    template <typename U>
    void construct(U* p) noexcept(std::is_nothrow_default_constructible_v<U>) {
        ::new (static_cast<void*>(p)) U;
    }
    template <typename U, typename... Args>
    void construct(U* p, Args&&... args) {
        ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
    }
};

using uninit_floats = std::vector<float, default_init_allocator<float>>;

}  // namespace clinote
