// Crash safety: a child process writes notes and reports each one whose commit returned
// through a pipe; the parent kills it with SIGKILL at a random moment. Every reported note
// must still be there, the vault must open, and its audit log must verify.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <random>
#include <thread>

#include "store_test_util.h"

namespace clinote {
namespace {

using test::k_pass;
using test::temp_dir;

struct committed {
    int64_t encounter_id, note_id, k;
};

std::string note_text(int round, int64_t k) { return "crash note " + std::to_string(round) + "-" + std::to_string(k); }

[[noreturn]] void child_write_forever(const std::string& dir, int round, int fd) {
    try {
        vault_ptr v = vault_open(dir, k_pass, {"child"});
        const committed opened{0, 0, -1};
        if (::write(fd, &opened, sizeof opened) != sizeof opened) ::_exit(4);
        for (int64_t k = 0;; k++) {
            const int64_t enc = vault_encounter_add(*v, {});
            const note_record n = vault_note_add_draft(*v, enc, note_text(round, k), "child");
            const committed c{enc, n.id, k};
            if (::write(fd, &c, sizeof c) != sizeof c) ::_exit(4);
        }
    } catch (...) {
        ::_exit(3);
    }
}

TEST(CrashSafety, NotesWhoseCommitReturnedSurviveSigkill) {
    temp_dir d;
    { test::make_vault(d.vault()); }
    std::mt19937 rng(2024);
    int64_t total = 0;
    int killed_while_writing = 0;
    for (int round = 0; round < 100; round++) {
        int fds[2];
        ASSERT_EQ(::pipe(fds), 0);
        const pid_t pid = ::fork();
        ASSERT_GE(pid, 0);
        if (pid == 0) {
            ::close(fds[0]);
            child_write_forever(d.vault(), round, fds[1]);
        }
        ::close(fds[1]);
        // One round in five kills the child wherever it is (often while it opens the vault,
        // writing its unlock entry); the others wait until it writes notes.
        committed c;
        const bool wait_for_writes = round % 5 != 0;
        if (wait_for_writes) {
            ASSERT_EQ(::read(fds[0], &c, sizeof c), ssize_t(sizeof c)) << "the child could not open the vault";
        }
        std::this_thread::sleep_for(std::chrono::microseconds(std::uniform_int_distribution<int>(0, 60000)(rng)));
        ::kill(pid, SIGKILL);
        int status = 0;
        ::waitpid(pid, &status, 0);
        ASSERT_TRUE(WIFSIGNALED(status)) << "round " << round << ": the child exited by itself with status "
                                         << WEXITSTATUS(status);
        std::vector<committed> done;
        while (::read(fds[0], &c, sizeof c) == sizeof c)
            if (c.k >= 0) done.push_back(c);
        ::close(fds[0]);
        if (!done.empty()) killed_while_writing++;
        total += int64_t(done.size());

        vault_ptr v = vault_open(d.vault(), k_pass, {"parent"});
        for (const committed& x : done) {
            const auto n = vault_note_latest(*v, x.encounter_id, "draft");
            ASSERT_TRUE(n) << "round " << round << ": note " << x.note_id << " was committed but is gone";
            EXPECT_EQ(n->id, x.note_id);
            EXPECT_EQ(n->text, note_text(round, x.k));
        }
        const audit_report r = vault_audit_verify(*v);
        ASSERT_TRUE(r.ok) << "round " << round << ": " << r.problem;
    }
    // The random delays must have hit the writing phase, not only the opening.
    EXPECT_GT(killed_while_writing, 40);
    EXPECT_GT(total, 100);
    std::printf("crash test: %lld committed notes over 100 kills, %d kills while writing\n", (long long)total,
                killed_while_writing);
}

}  // namespace
}  // namespace clinote
