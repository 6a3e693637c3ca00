// Reading tests/golden/ops/*.json (tools/make_ops_golden.py: PyTorch autograd in float64 on
// float32 inputs) and comparing float arrays with a stated tolerance.
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/paths.h"
#include "core/tensor.h"
#include "quant/quant.h"

namespace clinote::ops_test {

// Relative tolerance of every golden comparison: |got - want| <= 1e-4 · max(|want|, rms(want)).
// The floor rms(want) keeps values near zero (where a relative error means nothing) from
// demanding more than float32 sums of a few dozen terms can give.
constexpr double golden_rel_tol = 1e-4;

inline nlohmann::json golden_cases(const std::string& op) {
    const std::string path = source_dir() + "/tests/golden/ops/" + op + ".json";
    std::ifstream f(path);
    if (!f) throw std::runtime_error("cannot read golden file " + path + " (run tools/make_ops_golden.py)");
    return nlohmann::json::parse(f)["cases"];
}

inline std::vector<float> floats(const nlohmann::json& j) { return j.get<std::vector<float>>(); }

inline void expect_close(const std::vector<float>& got, const std::vector<float>& want, const std::string& what,
                         double rel_tol = golden_rel_tol) {
    ASSERT_EQ(got.size(), want.size()) << what;
    double sum_sq = 0.0;
    for (float w : want) sum_sq += double(w) * w;
    const double rms = std::sqrt(sum_sq / double(want.size()));
    int reported = 0;
    for (size_t i = 0; i < got.size() && reported < 5; i++) {
        const double err = std::fabs(double(got[i]) - want[i]);
        if (!(err <= rel_tol * std::max(std::fabs(double(want[i])), rms))) {
            ADD_FAILURE() << what << "[" << i << "]: got " << got[i] << " want " << want[i] << " (rms " << rms << ")";
            reported++;
        }
    }
}

// A 2-D weight view over `storage`: F32 values from case["w"], or GGML blocks from case["w_hex"].
inline tensor_view golden_weight(const nlohmann::json& c, std::vector<uint8_t>& storage) {
    tensor_view w;
    w.name = "w";
    w.shape = {c["out"].get<int64_t>(), c["in"].get<int64_t>()};
    if (!dtype_from_name(c["type"].get<std::string>(), &w.type)) throw std::runtime_error("unknown type in golden");
    if (w.type == dtype::f32) {
        const std::vector<float> values = floats(c["w"]);
        storage.resize(values.size() * sizeof(float));
        std::memcpy(storage.data(), values.data(), storage.size());
    } else {
        const std::string hex = c["w_hex"];
        storage.resize(hex.size() / 2);
        for (size_t i = 0; i < storage.size(); i++) storage[i] = uint8_t(std::stoi(hex.substr(2 * i, 2), nullptr, 16));
    }
    w.data = storage.data();
    w.nbytes = storage.size();
    return w;
}

}  // namespace clinote::ops_test
