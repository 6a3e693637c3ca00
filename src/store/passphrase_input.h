// Reading a passphrase without leaving copies behind: bytes go straight from the file
// descriptor (no stdio buffer) into a secret, and a terminal prompt turns echo off.
#pragma once
#include <string>
#include <string_view>

#include "store/secret.h"

namespace clinote {

// One line from standard input (--passphrase-stdin); the newline is dropped. Throws
// "<what>: nothing on standard input" at end of input.
secret passphrase_read_stdin(const std::string& what);
// Prompts on the controlling terminal with echo off. Throws if there is no terminal.
secret passphrase_prompt(const std::string& prompt);
// Throws "<what>: too short ..." for a passphrase a person should not protect PHI with.
void passphrase_require_strength(std::string_view passphrase, const std::string& what);

// Makes this process harder to read key material from: no core dumps, and no ptrace
// attach by other processes of the same user.
void process_harden();

}  // namespace clinote
