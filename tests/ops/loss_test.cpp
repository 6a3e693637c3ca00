// Cross-entropy with ignore_index -100 (mean over counted rows), alone and after Gemma's logit
// soft-cap, against torch.nn.functional.cross_entropy under autograd (tools/make_ops_golden.py).
#include <gtest/gtest.h>

#include "core/error.h"
#include "ops/activation.h"
#include "ops/golden.h"
#include "ops/loss.h"

namespace clinote {
namespace {

using namespace ops_test;

TEST(CrossEntropy, MatchesTorchAutograd) {
    for (const auto& c : golden_cases("loss")) {
        SCOPED_TRACE(c["name"].get<std::string>());
        const int64_t n = c["n"], vocab = c["vocab"];
        const float cap = c["softcap"];
        const std::vector<int32_t> targets = c["targets"].get<std::vector<int32_t>>();
        std::vector<float> logits = floats(c["logits"]), lse(static_cast<size_t>(n));
        if (cap > 0) softcap_forward(logits.data(), n * vocab, cap);
        const cross_entropy_result r = cross_entropy_forward(logits.data(), targets.data(), lse.data(), n, vocab);
        EXPECT_EQ(r.n_counted, n - 2);  // two rows are ignored
        EXPECT_NEAR(r.loss, c["loss"].get<double>(), golden_rel_tol * c["loss"].get<double>());
        // The gradient overwrites the logits, as the trainer does to save [n, vocab] floats.
        std::vector<float> d = logits;
        cross_entropy_backward(d.data(), targets.data(), lse.data(), 1.0f / float(r.n_counted), d.data(), n, vocab);
        if (cap > 0) softcap_backward(logits.data(), d.data(), n * vocab, cap);
        expect_close(d, floats(c["dlogits"]), "dlogits");
    }
}

TEST(CrossEntropy, AllIgnoredGivesZeroLossAndGradient) {
    const float logits[6] = {1, 2, 3, 4, 5, 6};
    const int32_t targets[2] = {cross_entropy_ignore, cross_entropy_ignore};
    float lse[2], d[6];
    const cross_entropy_result r = cross_entropy_forward(logits, targets, lse, 2, 3);
    EXPECT_EQ(r.n_counted, 0);
    EXPECT_EQ(r.loss, 0.0);
    cross_entropy_backward(logits, targets, lse, 1.0f, d, 2, 3);
    for (float v : d) EXPECT_EQ(v, 0.0f);
}

TEST(CrossEntropy, RejectsTargetOutsideVocabulary) {
    const float logits[3] = {1, 2, 3};
    const int32_t targets[1] = {3};
    float lse[1];
    try {
        cross_entropy_forward(logits, targets, lse, 1, 3);
        FAIL() << "no error";
    } catch (const error& e) {
        EXPECT_STREQ(e.what(), "cross_entropy targets[0]: token id 3 outside the vocabulary of 3");
    }
}

}  // namespace
}  // namespace clinote
