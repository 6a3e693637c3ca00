// The clinote binary built beside the test binaries, run as a user runs it: arguments through
// the shell, stdin from a string, stdout and stderr captured, the exit status.
#pragma once
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace clinote::test {

inline std::string clinote_binary() {
    return (std::filesystem::read_symlink("/proc/self/exe").parent_path().parent_path() / "clinote").string();
}

// For arguments that may hold spaces or quotes.
inline std::string shell_quote(const std::string& s) {
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

struct cli_result {
    int status = -1;  // the exit status; -1 when killed by a signal
    std::string out, err;
};

// Runs `clinote ARGS` in cwd (empty: the test's working directory).
inline cli_result clinote_cli(const std::string& args, const std::string& stdin_text = "", const std::string& cwd = "") {
    static std::atomic<int> runs{0};
    namespace fs = std::filesystem;
    const fs::path dir = fs::temp_directory_path() /
                         ("clinote-cli-" + std::to_string(::getpid()) + "-" + std::to_string(runs++));
    fs::create_directories(dir);
    const fs::path in = dir / "stdin", out = dir / "stdout", err = dir / "stderr";
    std::ofstream(in, std::ios::binary) << stdin_text;
    const std::string cmd = (cwd.empty() ? "" : "cd " + shell_quote(cwd) + " && ") + shell_quote(clinote_binary()) + " " +
                            args + " <" + shell_quote(in.string()) + " >" + shell_quote(out.string()) + " 2>" +
                            shell_quote(err.string());
    const int raw = std::system(cmd.c_str());
    cli_result r;
    r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
    auto slurp = [](const fs::path& p) {
        std::ostringstream ss;
        ss << std::ifstream(p, std::ios::binary).rdbuf();
        return ss.str();
    };
    r.out = slurp(out);
    r.err = slurp(err);
    fs::remove_all(dir);
    return r;
}

}  // namespace clinote::test
