// One error type for every user-facing failure: the message names the file or field
// and the problem, so the CLI can print it as one line and exit non-zero.
#pragma once
#include <stdexcept>
#include <string>

namespace clinote {

struct error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Throws clinote::error("<where>: <what>").
[[noreturn]] void fail(const std::string& where, const std::string& what);

}  // namespace clinote
