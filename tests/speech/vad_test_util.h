// Shared by the VAD tests: golden paths and the weights.
#pragma once
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "core/paths.h"

namespace clinote::test {

inline std::string golden_speech(const std::string& name) { return source_dir() + "/tests/golden/speech/" + name; }
inline std::string jfk_path() { return shared_dir() + "/audio/jfk.wav"; }
inline std::string vad_weights_path() { return shared_dir() + "/models/silero-vad/silero_vad_16k.safetensors"; }

inline nlohmann::json vad_golden() {
    std::ifstream f(golden_speech("vad_golden.json"));
    if (!f) throw std::runtime_error("missing vad_golden.json (run tools/make_vad_golden.py)");
    return nlohmann::json::parse(f);
}

}  // namespace clinote::test
