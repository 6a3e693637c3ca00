// clinote --version names the version, the commit it was built from (as git says for the
// source tree) and the kernels this CPU gets, also when CLINOTE_CPU forces one.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>

#include "../clinote_cli.h"
#include "core/paths.h"

namespace clinote {
namespace {

std::string git_head() {
    FILE* p = popen(("git -C " + test::shell_quote(source_dir()) + " rev-parse --short=12 HEAD 2>/dev/null").c_str(), "r");
    if (!p) return "";
    char buf[64] = {};
    const bool ok = fgets(buf, sizeof buf, p) != nullptr;
    pclose(p);
    std::string s = ok ? buf : "";
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    return s;
}

TEST(VersionCli, NamesVersionCommitAndCpuKernels) {
    if (!std::filesystem::exists(test::clinote_binary())) GTEST_SKIP() << "the clinote binary is not built beside the tests";
    const test::cli_result r = test::clinote_cli("--version");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out.rfind("clinote 0.1.0 (commit ", 0), 0u) << r.out;
    const std::string head = git_head();
    if (!head.empty()) {  // built from this tree
        EXPECT_NE(r.out.find("(commit " + head), std::string::npos) << r.out;
    }
    EXPECT_NE(r.out.find("\ncpu: int8 kernels "), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("\nopenblas: "), std::string::npos) << r.out;

    setenv("CLINOTE_CPU", "scalar", 1);
    const test::cli_result scalar = test::clinote_cli("--version");
    unsetenv("CLINOTE_CPU");
    EXPECT_NE(scalar.out.find("cpu: int8 kernels scalar, bf16 products scalar"), std::string::npos) << scalar.out;
}

}  // namespace
}  // namespace clinote
