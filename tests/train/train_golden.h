// Shared by the training tests: the tiny models and golden files of tools/make_train_golden.py.
#pragma once
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/paths.h"
#include "model/lora_adapter.h"
#include "train/train_data.h"

namespace clinote::train_test {

inline nlohmann::json golden_json(const std::string& name) {
    const std::string path = source_dir() + "/tests/golden/train/" + name;
    std::ifstream f(path);
    if (!f) throw std::runtime_error("cannot read " + path + " (run tools/make_train_golden.py)");
    return nlohmann::json::parse(f);
}

inline std::string tiny_model_dir(const std::string& arch) { return source_dir() + "/tests/golden/model/" + arch + "/hf"; }

inline train_batch batch_from_json(const nlohmann::json& j) {
    train_batch b;
    b.n_batch = j["n_batch"];
    b.seq_len = j["seq_len"];
    b.tokens = j["tokens"].get<std::vector<int32_t>>();
    b.targets = j["targets"].get<std::vector<int32_t>>();
    b.segment = j["segment"].get<std::vector<int32_t>>();
    b.positions = j["positions"].get<std::vector<int32_t>>();
    b.valid = j["valid"].get<std::vector<uint8_t>>();
    for (int32_t t : b.targets) b.n_scored += t != -100;
    return b;
}

// The starting A / B of the golden script's formula (B zero when b_zero).
inline void adapter_fill_formula(lora_adapter& a, bool b_zero) {
    for (size_t il = 0; il < a.layers.size(); il++)
        for (int t = 0; t < lora_target_count; t++) {
            lora_matrices& lm = a.layers[il][size_t(t)];
            for (size_t i = 0; i < lm.a.size(); i++)
                lm.a[i] = float(0.2 * std::sin(0.7 * double(i) + 1.3 * double(il) + 0.5 * t + 0.1));
            for (size_t i = 0; i < lm.b.size(); i++)
                lm.b[i] = b_zero ? 0.0f : float(0.2 * std::cos(0.3 * double(i) + 0.9 * double(il) + 0.4 * t));
        }
}

// |got - want| <= rel · max(|want|, rms(want)) elementwise: a relative error with a floor, so
// entries near zero do not demand more than float32 sums give.
inline void expect_close(const float* got, const float* want, size_t n, const std::string& what, double rel) {
    double sum_sq = 0.0;
    for (size_t i = 0; i < n; i++) sum_sq += double(want[i]) * want[i];
    const double rms = std::sqrt(sum_sq / double(n));
    ASSERT_GT(rms, 0.0) << what << ": the reference is all zero, the comparison would mean nothing";
    int reported = 0;
    double worst = 0.0;
    for (size_t i = 0; i < n; i++) {
        const double err = std::fabs(double(got[i]) - want[i]) / std::max(std::fabs(double(want[i])), rms);
        worst = std::max(worst, err);
        if (!(err <= rel) && reported++ < 5)
            ADD_FAILURE() << what << "[" << i << "]: got " << got[i] << " want " << want[i] << " (rms " << rms << ")";
    }
    ::testing::Test::RecordProperty(what, std::to_string(worst));
}

}  // namespace clinote::train_test
