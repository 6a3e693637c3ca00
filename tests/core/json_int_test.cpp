// json_int: integers from untrusted JSON, known answers at each type's edges.
#include "core/json_int.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace clinote {
namespace {

using nlohmann::json;

template <class T>
std::optional<T> read(const char* text) {
    return json_int_get<T>(json::parse(text));
}

TEST(JsonInt, FitsOrRefusesAtTheEdges) {
    EXPECT_EQ(read<int32_t>("2147483647"), 2147483647);
    EXPECT_EQ(read<int32_t>("-2147483648"), INT32_MIN);
    EXPECT_EQ(read<int32_t>("2147483648"), std::nullopt);
    EXPECT_EQ(read<int32_t>("2.22222e98"), std::nullopt);  // the fuzzed vocabulary id
    EXPECT_EQ(read<int32_t>("2048.0"), 2048);              // integral floats, as Python reads them
    EXPECT_EQ(read<int32_t>("2.5"), std::nullopt);
    EXPECT_EQ(read<int64_t>("9223372036854775807"), INT64_MAX);
    EXPECT_EQ(read<int64_t>("9223372036854775808"), std::nullopt);  // parsed as uint64
    EXPECT_EQ(read<int64_t>("3.55556e70"), std::nullopt);           // the fuzzed config.json field
    EXPECT_EQ(read<int64_t>("9.223372036854775807e18"), std::nullopt);  // 2^63 as a double
    EXPECT_EQ(read<int64_t>("-9.223372036854775808e18"), INT64_MIN);
    EXPECT_EQ(read<uint64_t>("18446744073709551615"), UINT64_MAX);
    EXPECT_EQ(read<uint64_t>("-1"), std::nullopt);
    EXPECT_EQ(read<uint64_t>("1.8446744073709551616e19"), std::nullopt);  // 2^64
    EXPECT_EQ(read<size_t>("-0.0"), 0u);
    EXPECT_EQ(read<int>("\"7\""), std::nullopt);
    EXPECT_EQ(read<int>("true"), std::nullopt);
    EXPECT_EQ(read<int>("null"), std::nullopt);
}

TEST(JsonInt, ErrorNamesWhereAndTheRange) {
    try {
        json_int<int32_t>(json::parse("1e99"), "tokenizer.json: model.vocab[b]");
        FAIL() << "accepted";
    } catch (const error& e) {
        EXPECT_STREQ(e.what(), "tokenizer.json: model.vocab[b]: expected an integer from -2147483648 to 2147483647, got 1e+99");
    }
}

}  // namespace
}  // namespace clinote
