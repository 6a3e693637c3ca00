// Progress where no terminal shows it: plain lines (no carriage returns or escape codes)
// with count, rate and ETA; and the environment switch that silences them.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <sstream>

#include "core/progress.h"

namespace clinote {
namespace {

TEST(Progress, WithoutATerminalItWritesPlainLinesWithCountRateAndEta) {
    progress_bar p("train", 3, "step");
    p.shown = progress_bar::style::lines;
    p.line_every = std::chrono::milliseconds(0);
    testing::internal::CaptureStderr();
    p.advance(1, "loss 2.5");
    p.advance(2);
    p.finish();
    const std::string out = testing::internal::GetCapturedStderr();
    EXPECT_EQ(out.find('\r'), std::string::npos) << out;
    EXPECT_EQ(out.find('\x1b'), std::string::npos) << out;
    std::istringstream lines(out);
    std::string line;
    std::vector<std::string> got;
    while (std::getline(lines, line)) got.push_back(line);
    ASSERT_EQ(got.size(), 3u) << out;
    EXPECT_EQ(got[0].rfind("train: 1/3 ", 0), 0u) << got[0];
    EXPECT_NE(got[0].find(" step/s ETA "), std::string::npos) << got[0];
    EXPECT_NE(got[0].find(" loss 2.5"), std::string::npos) << got[0];
    EXPECT_EQ(got[2].rfind("train: 3/3 ", 0), 0u) << got[2];
    EXPECT_NE(got[2].find("ETA 0:00"), std::string::npos) << got[2];
}

TEST(Progress, SlowRatesReadAsSecondsPerUnit) {
    EXPECT_EQ(progress_rate_text(2.5, "tok"), "2.5 tok/s");
    EXPECT_EQ(progress_rate_text(1.0, "step"), "1.0 step/s");
    EXPECT_EQ(progress_rate_text(0.03, "step"), "33.3 s/step");
    EXPECT_EQ(progress_rate_text(0.0, "step"), "0.0 step/s");  // nothing done yet
}

TEST(Progress, LinesWithoutATerminalUnlessTheEnvironmentForcesTheBarOrSilence) {
    unsetenv("CLINOTE_PROGRESS");
    EXPECT_EQ(progress_bar("x", 1).shown, isatty(STDERR_FILENO) ? progress_bar::style::bar : progress_bar::style::lines);
    setenv("CLINOTE_PROGRESS", "0", 1);
    EXPECT_EQ(progress_bar("x", 1).shown, progress_bar::style::off);
    setenv("CLINOTE_PROGRESS", "1", 1);
    EXPECT_EQ(progress_bar("x", 1).shown, progress_bar::style::bar);
    unsetenv("CLINOTE_PROGRESS");
}

}  // namespace
}  // namespace clinote
