// gguf_convert (behind `clinote convert`) on stories260K against the same conversion done
// with the gguf package's numpy quantisers (tools/make_io_golden.py): every output tensor
// must be byte-identical.
#include <gtest/gtest.h>

#include <cstdio>

#include "io/gguf.h"
#include "io/gguf_convert.h"
#include "io_test_util.h"
#include "quant/quant.h"

namespace clinote {
namespace {

using namespace clinote::test;

std::string fnv1a64(const void* data, size_t n) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) h = (h ^ static_cast<const uint8_t*>(data)[i]) * 0x100000001b3ull;
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    return buf;
}

class Convert : public ::testing::TestWithParam<std::string> {};

TEST_P(Convert, StoriesMatchesGgufPackage) {
    const std::string type_name = GetParam();
    dtype target;
    ASSERT_TRUE(dtype_from_name(type_name, &target));
    const nlohmann::json golden = read_json(golden_io("stories_convert.json"))[type_name];
    temp_dir dir;
    const std::string out = dir.file("out.gguf");
    size_t calls = 0;
    gguf_convert(stories_path(), out, target, [&](size_t done, size_t total) {
        EXPECT_EQ(done, ++calls);
        EXPECT_EQ(total, golden.size());
    });
    EXPECT_EQ(calls, golden.size());

    const gguf_file in = gguf_open(stories_path());
    const gguf_file g = gguf_open(out);
    EXPECT_EQ(g.get_int("general.file_type"), gguf_file_type_of(target));
    EXPECT_EQ(g.get_int("general.quantization_version").has_value(), dtype_block_size(target) > 1);
    for (const auto& [key, v] : in.metadata) EXPECT_NE(g.find(key), nullptr) << key;
    EXPECT_EQ(g.get_string_array("tokenizer.ggml.tokens"), in.get_string_array("tokenizer.ggml.tokens"));

    ASSERT_EQ(g.tensors.size(), golden.size());
    for (size_t i = 0; i < g.tensors.size(); i++) {
        const tensor_view& t = g.tensors[i];
        ASSERT_EQ(t.name, in.tensors[i].name);
        EXPECT_EQ(t.shape, in.tensors[i].shape) << t.name;
        const auto& want = golden[t.name];
        EXPECT_STREQ(dtype_name(t.type), want["type"].get<std::string>().c_str()) << t.name;
        EXPECT_EQ(fnv1a64(t.data, t.nbytes), want["fnv1a64"].get<std::string>()) << t.name;
        std::vector<float> v(size_t(t.numel()));
        dequantize_row(t.type, t.data, v.data(), t.numel());
        double sum = 0, abs_sum = 0;
        for (float x : v) {
            sum += x;
            abs_sum += std::fabs(x);
        }
        EXPECT_NEAR(sum, want["sum"].get<double>(), 1e-9 * abs_sum) << t.name;
    }
}

INSTANTIATE_TEST_SUITE_P(Types, Convert, ::testing::Values("Q8_0", "Q4_0", "Q4_1", "F16", "BF16", "F32"));

TEST(Convert, KQuantTargetsAreRefused) {
    temp_dir dir;
    EXPECT_THROW(gguf_convert(stories_path(), dir.file("out.gguf"), dtype::q4_k), error);
    EXPECT_FALSE(std::filesystem::exists(dir.file("out.gguf")));
}

TEST(Convert, TypeRules) {
    tensor_view matrix{"blk.0.ffn_down.weight", dtype::f32, {64, 172}, nullptr, 0};
    EXPECT_EQ(gguf_convert_type(matrix, dtype::q8_0), dtype::f16);  // 172 is not a multiple of 32
    matrix.shape = {172, 64};
    EXPECT_EQ(gguf_convert_type(matrix, dtype::q4_1), dtype::q4_1);
    const tensor_view norm{"output_norm.weight", dtype::f16, {64}, nullptr, 0};
    EXPECT_EQ(gguf_convert_type(norm, dtype::q8_0), dtype::f32);
    EXPECT_EQ(gguf_convert_type(norm, dtype::bf16), dtype::f32);
}

}  // namespace
}  // namespace clinote
