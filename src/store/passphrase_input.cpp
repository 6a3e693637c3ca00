#include "store/passphrase_input.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/error.h"

namespace clinote {

namespace {

constexpr size_t k_max_passphrase = 1024;
constexpr size_t k_min_passphrase = 8;

// Reads up to a newline, one byte per read(2), so no library buffer keeps the rest.
secret read_line(int fd, const std::string& what, bool* got_any) {
    secret buf(k_max_passphrase);
    size_t n = 0;
    *got_any = false;
    for (;;) {
        char c = 0;
        const ssize_t r = ::read(fd, &c, 1);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) fail(what, std::string("cannot read: ") + std::strerror(errno));
        if (r == 0) break;
        *got_any = true;
        if (c == '\n') break;
        if (n == k_max_passphrase) fail(what, "longer than 1024 bytes");
        buf.data[n++] = static_cast<unsigned char>(c);
    }
    if (n > 0 && buf.data[n - 1] == '\r') n--;
    secret_truncate(buf, n);
    return buf;
}

}  // namespace

secret passphrase_read_stdin(const std::string& what) {
    bool got_any = false;
    secret s = read_line(STDIN_FILENO, what, &got_any);
    if (!got_any) fail(what, "nothing on standard input (--passphrase-stdin reads one line per secret)");
    return s;
}

secret passphrase_prompt(const std::string& prompt) {
    const int fd = ::open("/dev/tty", O_RDWR | O_CLOEXEC);
    if (fd < 0) fail(prompt, "no terminal to ask on: give the passphrase with --passphrase-stdin");
    termios old {};
    const bool is_tty = ::tcgetattr(fd, &old) == 0;
    if (is_tty) {
        termios quiet = old;
        quiet.c_lflag &= ~tcflag_t(ECHO);
        quiet.c_lflag |= ECHONL;
        ::tcsetattr(fd, TCSAFLUSH, &quiet);
    }
    const std::string text = prompt + ": ";
    (void)!::write(fd, text.data(), text.size());
    bool got_any = false;
    secret s;
    try {
        s = read_line(fd, prompt, &got_any);
    } catch (...) {
        if (is_tty) ::tcsetattr(fd, TCSAFLUSH, &old);
        ::close(fd);
        throw;
    }
    if (is_tty) ::tcsetattr(fd, TCSAFLUSH, &old);
    ::close(fd);
    return s;
}

void passphrase_require_strength(std::string_view passphrase, const std::string& what) {
    if (passphrase.size() < k_min_passphrase)
        fail(what, "too short: use at least 8 characters (a few random words are better than a short password)");
}

void process_harden() {
    const rlimit none{0, 0};
    ::setrlimit(RLIMIT_CORE, &none);
    ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

}  // namespace clinote
