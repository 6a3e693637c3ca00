// Cross-entropy of next-token logits, as torch.nn.functional.cross_entropy with
// ignore_index = -100 and reduction "mean": the mean over the rows whose target is not ignored.
// Rows are processed one at a time: only a log-sum-exp per row is kept between forward and
// backward, and the gradient may overwrite the logits, so [n_rows, n_vocab] exists once.
#pragma once
#include <cstdint>

namespace clinote {

constexpr int32_t cross_entropy_ignore = -100;

struct cross_entropy_result {
    double loss = 0.0;      // mean over counted rows (0 when none)
    int64_t n_counted = 0;  // rows whose target is not cross_entropy_ignore
};

// logits [n_rows, n_vocab], targets [n_rows]; writes lse [n_rows] (log Σ exp logits) for the
// backward. Throws clinote::error for a target outside [0, n_vocab) other than the ignore index.
cross_entropy_result cross_entropy_forward(const float* logits, const int32_t* targets, float* lse, int64_t n_rows,
                                           int64_t n_vocab);

// dlogits = grad_scale · (softmax(logits) - onehot(target)) on counted rows, 0 on ignored rows.
// grad_scale = 1 / n_counted gives the gradient of the mean; with gradient accumulation the
// trainer passes 1 / (rows counted over all micro-batches). dlogits may be logits itself.
void cross_entropy_backward(const float* logits, const int32_t* targets, const float* lse, float grad_scale,
                            float* dlogits, int64_t n_rows, int64_t n_vocab);

}  // namespace clinote
