// Key material (data key, key-encryption key, passphrase, recovery key) lives only in
// `secret` buffers: sodium_malloc pages are mlocked (never swapped), fenced by guard pages,
// excluded from core dumps, and wiped with sodium_memzero before they are released.
#pragma once
#include <cstddef>
#include <string_view>

namespace clinote {

struct secret {
    unsigned char* data = nullptr;
    size_t size = 0;

    secret() = default;
    explicit secret(size_t n);  // zero-filled
    ~secret();
    secret(secret&& other) noexcept;
    secret& operator=(secret&& other) noexcept;
    secret(const secret&) = delete;
    secret& operator=(const secret&) = delete;

    bool empty() const { return data == nullptr; }
    std::string_view view() const { return {reinterpret_cast<const char*>(data), size}; }
};

// Zeroes and releases the buffer; s becomes empty.
void secret_wipe(secret& s);
// Shrinks the visible size (the tail stays zeroed inside the same allocation).
void secret_truncate(secret& s, size_t n);

// Calls sodium_init once; every store entry point that uses libsodium goes through it.
void sodium_require();

// Zeroes the 64 KiB of stack below the caller. libsodium leaves some intermediate values
// in its stack frames (BLAKE2b's final output buffer inside Argon2, the ChaCha20 tail
// block): calling this right after a primitive returns overwrites those dead frames.
void stack_scrub();

// Zeroes every live secret. Async-signal-safe: it only writes through pointers kept in a
// fixed table, so the SIGTERM/SIGINT handler and the exit hook can call it.
void secret_wipe_all() noexcept;
// Installs (once) handlers that wipe every live secret on SIGTERM/SIGINT before the
// default action ends the process, and an exit hook that does the same.
void secret_install_exit_wipe();

}  // namespace clinote
