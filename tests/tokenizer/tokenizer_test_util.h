// Shared by the tokenizer tests: the MTS-Dialog corpus and the hashes the golden files keep
// for it (FNV-1a 64, as tools/make_tokenizer_golden.py writes them).
#pragma once
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/paths.h"

// The "dialogue" column of MTS-Dialog's valid.csv (RFC 4180: quoted fields may hold
// newlines and doubled quotes). Empty if the shared data is absent.
inline std::vector<std::string> mts_dialogues() {
    std::ifstream in(clinote::shared_dir() + "/data/mts-dialog/valid.csv", std::ios::binary);
    if (!in) return {};
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string s = ss.str();
    std::vector<std::vector<std::string>> rows(1);
    std::string field;
    bool quoted = false;
    for (size_t i = 0; i < s.size(); i++) {
        const char c = s[i];
        if (quoted) {
            if (c == '"' && i + 1 < s.size() && s[i + 1] == '"') { field += '"'; i++; }
            else if (c == '"') quoted = false;
            else field += c;
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            rows.back().push_back(std::move(field));
            field.clear();
        } else if (c == '\n' || c == '\r') {
            if (c == '\r' && i + 1 < s.size() && s[i + 1] == '\n') i++;
            rows.back().push_back(std::move(field));
            field.clear();
            rows.emplace_back();
        } else {
            field += c;
        }
    }
    if (!field.empty() || !rows.back().empty()) rows.back().push_back(std::move(field));
    std::vector<std::string> out;
    for (size_t r = 1; r < rows.size(); r++) {
        if (rows[r].size() == 4) out.push_back(rows[r][3]);
    }
    return out;
}

inline std::string fnv64(const void* data, size_t n) {
    uint64_t h = 0xCBF29CE484222325ull;
    const auto* p = static_cast<const unsigned char*>(data);
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 0x100000001B3ull;
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    return buf;
}

inline std::string ids_hash(const std::vector<int32_t>& ids) {
    std::vector<unsigned char> bytes(ids.size() * 4);
    for (size_t i = 0; i < ids.size(); i++) {
        const uint32_t v = uint32_t(ids[i]);
        for (int k = 0; k < 4; k++) bytes[i * 4 + size_t(k)] = static_cast<unsigned char>(v >> (8 * k));
    }
    return fnv64(bytes.data(), bytes.size());
}

inline std::string text_hash(const std::string& s) { return fnv64(s.data(), s.size()); }
