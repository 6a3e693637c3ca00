// The GGUF reader against what the gguf Python package reads (golden JSON from
// tools/make_io_golden.py), the writer by round trip, and corrupt files: each must give a
// clinote::error naming the file, never a crash (these tests also run under ASan).
#include <gtest/gtest.h>

#include <cmath>

#include "io/gguf.h"
#include "io_test_util.h"
#include "quant/quant.h"

namespace clinote {
namespace {

using namespace clinote::test;
using nlohmann::json;

const char* type_name(gguf_type t) { return gguf_type_name(t); }

// One metadata value against its golden JSON value.
void expect_value(const gguf_value& v, const json& want, const std::string& key) {
    switch (v.type) {
        case gguf_type::float32: case gguf_type::float64: EXPECT_EQ(v.f, want.get<double>()) << key; break;
        case gguf_type::boolean: EXPECT_EQ(v.b, want.get<bool>()) << key; break;
        case gguf_type::string: EXPECT_EQ(v.s, want.get<std::string>()) << key; break;
        case gguf_type::uint64: EXPECT_EQ(uint64_t(v.i), want.get<uint64_t>()) << key; break;
        case gguf_type::array:
            ASSERT_TRUE(want.is_array()) << key;
            ASSERT_EQ(v.array.size(), want.size()) << key;
            for (size_t i = 0; i < want.size(); i++) expect_value(v.array[i], want[i], key + "[" + std::to_string(i) + "]");
            break;
        default: EXPECT_EQ(v.i, want.get<int64_t>()) << key; break;
    }
}

void expect_metadata(const gguf_file& g, const json& golden) {
    EXPECT_EQ(g.metadata.size(), golden.size());
    for (const auto& [key, want] : golden.items()) {
        const gguf_value* v = g.find(key);
        ASSERT_NE(v, nullptr) << key;
        EXPECT_STREQ(type_name(v->type), want["type"].get<std::string>().c_str()) << key;
        if (v->type != gguf_type::array) {
            expect_value(*v, want["value"], key);
            continue;
        }
        EXPECT_STREQ(type_name(v->array_type), want["element_type"].get<std::string>().c_str()) << key;
        ASSERT_EQ(int64_t(v->array.size()), want["length"].get<int64_t>()) << key;
        if (want.contains("nested")) {
            expect_value(*v, want["nested"], key);
        } else {
            for (size_t i = 0; i < want["first"].size(); i++) expect_value(v->array[i], want["first"][i], key);
            expect_value(v->array.back(), want["last"], key);
        }
    }
}

std::vector<float> values_of(const tensor_view& t) {
    std::vector<float> out(size_t(t.numel()));
    EXPECT_EQ(t.nbytes, dtype_row_bytes(t.type, t.cols()) * size_t(t.rows()));
    dequantize_row(t.type, t.data, out.data(), t.numel());
    return out;
}

TEST(GgufRead, StoriesMatchesGgufPackage) {
    const json golden = read_json(golden_io("stories260k.json"));
    const gguf_file g = gguf_open(stories_path());
    EXPECT_EQ(g.version, golden["version"].get<uint32_t>());
    EXPECT_EQ(g.alignment, golden["alignment"].get<uint32_t>());
    expect_metadata(g, golden["metadata"]);

    const json& tensors = golden["tensors"];
    ASSERT_EQ(g.tensors.size(), tensors.size());
    for (size_t i = 0; i < tensors.size(); i++) {
        const tensor_view& t = g.tensors[i];
        const json& want = tensors[i];
        EXPECT_EQ(t.name, want["name"].get<std::string>());
        EXPECT_STREQ(dtype_name(t.type), want["type"].get<std::string>().c_str()) << t.name;
        EXPECT_EQ(t.shape, want["shape"].get<std::vector<int64_t>>()) << t.name;
        const std::vector<float> v = values_of(t);
        double sum = 0, abs_sum = 0;
        for (float x : v) {
            sum += x;
            abs_sum += std::fabs(x);
        }
        // numpy sums pairwise, this loop sequentially: equal up to double rounding.
        EXPECT_NEAR(sum, want["sum"].get<double>(), 1e-9 * abs_sum) << t.name;
        EXPECT_NEAR(abs_sum, want["abs_sum"].get<double>(), 1e-9 * abs_sum) << t.name;
        EXPECT_EQ(double(v.front()), want["first"].get<double>()) << t.name;
        EXPECT_EQ(double(v.back()), want["last"].get<double>()) << t.name;
        EXPECT_EQ(g.find_tensor(t.name), &t);
    }
    EXPECT_EQ(g.find_tensor("no.such.tensor"), nullptr);
}

TEST(GgufRead, DefaultModelMatchesGgufPackage) {
    const std::string path = source_dir() + "/models/SmolLM2-135M-Instruct.Q4_1.gguf";
    if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " is absent (scripts/setup.sh installs it)";
    const json golden = read_json(golden_io("smollm2_default.json"));
    const gguf_file g = gguf_open(path);
    EXPECT_EQ(g.metadata.size(), golden["n_metadata"].get<size_t>());
    const json& tensors = golden["tensors"];
    ASSERT_EQ(g.tensors.size(), tensors.size());
    for (size_t i = 0; i < tensors.size(); i++) {
        const tensor_view& t = g.tensors[i];
        const json& want = tensors[i];
        EXPECT_EQ(t.name, want["name"].get<std::string>());
        EXPECT_STREQ(dtype_name(t.type), want["type"].get<std::string>().c_str()) << t.name;
        EXPECT_EQ(t.shape, want["shape"].get<std::vector<int64_t>>()) << t.name;
        const std::vector<float> v = values_of(t);
        double sum = 0, abs_sum = 0;
        for (float x : v) {
            sum += x;
            abs_sum += std::fabs(x);
        }
        EXPECT_NEAR(sum, want["sum"].get<double>(), 1e-9 * abs_sum) << t.name;
        EXPECT_NEAR(abs_sum, want["abs_sum"].get<double>(), 1e-9 * abs_sum) << t.name;
        EXPECT_EQ(double(v.front()), want["first"].get<double>()) << t.name;
    }
}

TEST(GgufRead, TypedLookups) {
    const gguf_file g = gguf_open(stories_path());
    EXPECT_EQ(g.get_string("general.architecture"), "llama");
    EXPECT_EQ(g.get_int("llama.block_count"), 5);
    EXPECT_FLOAT_EQ(float(*g.get_float("llama.attention.layer_norm_rms_epsilon")), 1e-5f);
    EXPECT_EQ(g.get_int("tokenizer.ggml.padding_token_id"), 4294967295);
    EXPECT_EQ(g.get_string_array("tokenizer.ggml.tokens").size(), 512u);
    EXPECT_EQ(g.get_string_array("tokenizer.ggml.tokens")[1], "<s>");
    EXPECT_EQ(g.get_float_array("tokenizer.ggml.scores").back(), -252.0);
    EXPECT_EQ(g.get_int_array("tokenizer.ggml.token_type")[0], 2);
    EXPECT_FALSE(g.get_int("llama.no_such_key"));
    EXPECT_TRUE(g.get_string_array("no.such.array").empty());
    try {
        (void)g.get_int("general.architecture");
        FAIL() << "a string read as an integer";
    } catch (const error& e) {
        EXPECT_EQ(std::string(e.what()), stories_path() + ": metadata general.architecture is not an integer");
    }
    EXPECT_THROW((void)g.get_string_array("tokenizer.ggml.scores"), error);
    EXPECT_THROW((void)g.get_bool("llama.block_count"), error);
}

TEST(GgufRead, ValuesAsText) {
    const gguf_file g = gguf_open(golden_io("types.gguf"));
    EXPECT_EQ(gguf_value_to_string(*g.find("test.string")), "\"héllo, wörld\"");
    EXPECT_EQ(gguf_value_to_string(*g.find("test.u64")), "1000000000000007");
    EXPECT_EQ(gguf_value_to_string(*g.find("test.f32")), "0.100000001");
    EXPECT_EQ(gguf_value_to_string(*g.find("test.bool")), "true");
    EXPECT_EQ(gguf_value_to_string(*g.find("test.int_array"), 3), "[INT32 x 4] 1, -2, 3, ...");
    EXPECT_EQ(gguf_value_to_string(*g.find("test.nested")), "[ARRAY x 2] [INT32 x 2] 1, 2, [INT32 x 3] 3, 4, 5");
    EXPECT_EQ(gguf_value_to_string(gguf_string("a\"b\n")), "\"a\\\"b\\x0a\"");
    EXPECT_EQ(gguf_value_to_string(gguf_string_array({})), "[STRING x 0]");
}

TEST(GgufRead, EveryTypeWrittenByGgufPackage) {
    const json golden = read_json(golden_io("types.json"));
    const gguf_file g = gguf_open(golden_io("types.gguf"));
    EXPECT_EQ(g.version, 3u);
    EXPECT_EQ(g.alignment, 64u);
    expect_metadata(g, golden["metadata"]);
    const json& tensors = golden["tensors"];
    ASSERT_EQ(g.tensors.size(), tensors.size());
    for (size_t i = 0; i < tensors.size(); i++) {
        const tensor_view& t = g.tensors[i];
        EXPECT_EQ(t.name, tensors[i]["name"].get<std::string>());
        EXPECT_STREQ(dtype_name(t.type), tensors[i]["type"].get<std::string>().c_str());
        EXPECT_EQ(t.shape, tensors[i]["shape"].get<std::vector<int64_t>>());
        EXPECT_EQ(reinterpret_cast<uintptr_t>(t.data) % 64, 0u) << t.name;  // the map itself is page-aligned
        const std::vector<float> v = values_of(t);
        const std::vector<float> want = tensors[i]["values"].get<std::vector<float>>();
        ASSERT_EQ(v.size(), want.size()) << t.name;
        for (size_t j = 0; j < v.size(); j++) EXPECT_EQ(v[j], want[j]) << t.name << "[" << j << "]";
    }
}

bool same_value(const gguf_value& a, const gguf_value& b) {
    if (a.type != b.type || a.i != b.i || a.b != b.b || a.s != b.s || a.array.size() != b.array.size()) return false;
    if (!(a.f == b.f || (std::isnan(a.f) && std::isnan(b.f)))) return false;
    if (a.type == gguf_type::array && a.array_type != b.array_type) return false;
    for (size_t i = 0; i < a.array.size(); i++)
        if (!same_value(a.array[i], b.array[i])) return false;
    return true;
}

std::vector<gguf_writer_tensor> writer_tensors(const gguf_file& g) {
    std::vector<gguf_writer_tensor> out;
    for (const tensor_view& t : g.tensors) out.push_back({t.name, t.type, t.shape, t.data, t.nbytes});
    return out;
}

void expect_same_file_contents(const gguf_file& a, const gguf_file& b) {
    ASSERT_EQ(a.tensors.size(), b.tensors.size());
    for (size_t i = 0; i < a.tensors.size(); i++) {
        EXPECT_EQ(a.tensors[i].name, b.tensors[i].name);
        EXPECT_EQ(a.tensors[i].type, b.tensors[i].type);
        EXPECT_EQ(a.tensors[i].shape, b.tensors[i].shape);
        ASSERT_EQ(a.tensors[i].nbytes, b.tensors[i].nbytes);
        EXPECT_EQ(std::memcmp(a.tensors[i].data, b.tensors[i].data, a.tensors[i].nbytes), 0) << a.tensors[i].name;
    }
}

TEST(GgufWrite, RoundTripKeepsEverything) {
    temp_dir dir;
    for (const std::string& src : {golden_io("types.gguf"), stories_path()}) {
        const gguf_file a = gguf_open(src);
        const std::string out = dir.file("copy.gguf");
        gguf_write(out, a.metadata, writer_tensors(a), a.alignment);
        const gguf_file b = gguf_open(out);
        EXPECT_EQ(b.alignment, a.alignment);
        ASSERT_EQ(a.metadata.size(), b.metadata.size());
        for (const auto& [key, v] : a.metadata) EXPECT_TRUE(b.find(key) && same_value(v, *b.find(key))) << key;
        expect_same_file_contents(a, b);
    }
}

TEST(GgufWrite, EmptyArraysAndOtherAlignments) {
    temp_dir dir;
    const gguf_file a = gguf_open(golden_io("types.gguf"));
    std::map<std::string, gguf_value> meta;
    meta["empty"] = gguf_string_array({});
    gguf_value nested = gguf_string_array({});
    nested.array_type = gguf_type::array;
    nested.array.push_back(gguf_string_array({"x", "y"}));
    nested.array.push_back(gguf_string_array({}));
    meta["nested"] = nested;
    meta["flag"] = gguf_bool(false);
    meta["scale"] = gguf_f32(0.25f);
    meta["count"] = gguf_i32(-3);
    for (uint32_t alignment : {1u, 32u, 256u}) {
        const std::string out = dir.file("a" + std::to_string(alignment) + ".gguf");
        gguf_write(out, meta, writer_tensors(a), alignment);
        const gguf_file b = gguf_open(out);
        EXPECT_EQ(b.alignment, alignment);
        EXPECT_EQ(b.get_int("general.alignment"), alignment == 32 ? std::nullopt : std::optional<int64_t>(alignment));
        for (const auto& [key, v] : meta) EXPECT_TRUE(b.find(key) && same_value(v, *b.find(key))) << key;
        expect_same_file_contents(a, b);
    }
}

TEST(GgufWrite, RejectsSizeThatDisagreesWithShape) {
    temp_dir dir;
    const std::vector<float> x(10);
    EXPECT_THROW(gguf_write(dir.file("x.gguf"), {}, {{"t", dtype::f32, {3, 3}, x.data(), 40}}), error);
    EXPECT_THROW(gguf_write(dir.file("x.gguf"), {}, {{"t", dtype::q8_0, {1, 10}, x.data(), 40}}), error);
    EXPECT_FALSE(std::filesystem::exists(dir.file("x.gguf")));
    EXPECT_FALSE(std::filesystem::exists(dir.file("x.gguf.partial")));
}

TEST(GgufRead, Version2IsRead) {
    temp_dir dir;
    std::vector<uint8_t> bytes = read_file_bytes(golden_io("types.gguf"));
    put_at<uint32_t>(bytes, 4, 2);
    write_file_bytes(dir.file("v2.gguf"), bytes, bytes.size());
    EXPECT_EQ(gguf_open(dir.file("v2.gguf")).version, 2u);
}

// Opening `bytes` must fail with "<path>: " + a message containing `problem`.
void expect_error(const temp_dir& dir, const std::vector<uint8_t>& bytes, const std::string& problem) {
    const std::string path = dir.file("bad.gguf");
    write_file_bytes(path, bytes, bytes.size());
    try {
        (void)gguf_open(path);
        ADD_FAILURE() << "no error; expected: " << problem;
    } catch (const error& e) {
        const std::string msg = e.what();
        EXPECT_EQ(msg.rfind(path + ": ", 0), 0u) << msg;
        EXPECT_NE(msg.find(problem), std::string::npos) << msg;
    }
}

// Byte position of a tensor's info record: its name's length field.
size_t tensor_info_pos(const std::vector<uint8_t>& bytes, const std::string& name) {
    std::string needle(8, '\0');
    needle[0] = char(name.size());
    return find_bytes(bytes, needle + name);
}

TEST(GgufCorrupt, SpecificProblemsAreNamed) {
    temp_dir dir;
    const std::vector<uint8_t> good = read_file_bytes(golden_io("types.gguf"));
    auto patched = [&](size_t pos, auto value) {
        std::vector<uint8_t> b = good;
        put_at(b, pos, value);
        return b;
    };
    const size_t q8 = tensor_info_pos(good, "q8_0") + 8 + 4 + 4;  // first dimension of q8_0
    const size_t q8_type = q8 + 2 * 8, q8_offset = q8_type + 4;
    const size_t key = find_bytes(good, "test.u8") - 8;

    expect_error(dir, {}, "bad magic");
    expect_error(dir, patched(0, uint32_t(0x46554746)), "bad magic");
    expect_error(dir, patched(4, uint32_t(1)), "unsupported GGUF version 1");
    expect_error(dir, patched(4, uint32_t(4)), "unsupported GGUF version 4");
    expect_error(dir, patched(8, uint64_t(1) << 60), "tensor count");
    expect_error(dir, patched(16, uint64_t(1) << 60), "metadata count");
    expect_error(dir, patched(key, uint64_t(1) << 40), "runs past the end of the file");
    expect_error(dir, patched(key + 8 + 7, uint32_t(13)), "unknown type 13");
    expect_error(dir, patched(key + 8 + 7, uint32_t(1u << 31)), "unknown type");
    expect_error(dir, patched(q8_type, uint32_t(23)), "unsupported type id 23");  // IQ4_XS
    expect_error(dir, patched(q8_type, uint32_t(99)), "unsupported type id 99");
    expect_error(dir, patched(q8, uint64_t(33)), "not a whole number of Q8_0 blocks");
    expect_error(dir, patched(q8, uint64_t(1) << 40), "larger than the file");
    expect_error(dir, patched(q8 + 8, uint64_t(1) << 62), "impossibly large");
    expect_error(dir, patched(q8 + 8, uint64_t(0)), "empty dimension");
    expect_error(dir, patched(q8 - 4, uint32_t(5)), "dimensions");
    expect_error(dir, patched(q8_offset, uint64_t(1) << 40), "runs past the end of the file");
    expect_error(dir, patched(q8_offset, uint64_t(1)), "not a multiple of the alignment");
    const size_t align = find_bytes(good, "general.alignment") + 17 + 4;
    expect_error(dir, patched(align, uint32_t(48)), "power of two");
    expect_error(dir, patched(align, uint32_t(0)), "power of two");
    const size_t flag = find_bytes(good, "test.bool") + 9 + 4;
    expect_error(dir, patched(flag, uint8_t(7)), "neither 0 nor 1");
    const size_t array = find_bytes(good, "test.int_array") + 14 + 4;
    expect_error(dir, patched(array + 4, uint64_t(1) << 61), "larger than the file could hold");
    expect_error(dir, patched(array, uint32_t(17)), "unknown array element type 17");
}

TEST(GgufCorrupt, DeeplyNestedArraysAreRefused) {
    // 1000 levels of "array of arrays with one element", enough to overflow a naive
    // recursive reader's stack if it were a million.
    std::vector<uint8_t> b;
    auto put = [&](auto v) {
        const auto* p = reinterpret_cast<const uint8_t*>(&v);
        b.insert(b.end(), p, p + sizeof v);
    };
    put(uint32_t(0x46554747));
    put(uint32_t(3));
    put(uint64_t(0));
    put(uint64_t(1));
    put(uint64_t(1));
    b.push_back('k');
    put(uint32_t(9));
    for (int i = 0; i < 1000; i++) {
        put(uint32_t(9));
        put(uint64_t(1));
    }
    temp_dir dir;
    expect_error(dir, b, "nested");
}

TEST(GgufCorrupt, EveryTruncationOfSmallFileIsAnError) {
    temp_dir dir;
    const std::vector<uint8_t> good = read_file_bytes(golden_io("types.gguf"));
    const gguf_file g = gguf_open(golden_io("types.gguf"));
    size_t data_end = 0;  // the file may end in padding after the last tensor
    for (const tensor_view& t : g.tensors)
        data_end = std::max(data_end, size_t(static_cast<const uint8_t*>(t.data) - g.file.data) + t.nbytes);
    const std::string path = dir.file("cut.gguf");
    for (size_t n = 0; n < good.size(); n++) {
        write_file_bytes(path, good, n);
        const bool threw = opens_or_names_file(path, [&] { (void)gguf_open(path); });
        if (n < data_end) {
            EXPECT_TRUE(threw) << "truncated to " << n << " bytes";
        }
    }
}

TEST(GgufCorrupt, TruncatedStoriesIsAnError) {
    temp_dir dir;
    const std::vector<uint8_t> good = read_file_bytes(stories_path());
    const std::string path = dir.file("cut.gguf");
    for (size_t n = 0; n < good.size(); n += (n < 16384 ? 97 : 40009)) {
        write_file_bytes(path, good, n);
        EXPECT_TRUE(opens_or_names_file(path, [&] { (void)gguf_open(path); })) << "truncated to " << n << " bytes";
    }
}

TEST(GgufCorrupt, FlippedHeaderBytesNeverCrash) {
    temp_dir dir;
    const std::vector<uint8_t> good = read_file_bytes(golden_io("types.gguf"));
    const gguf_file g = gguf_open(golden_io("types.gguf"));
    const size_t header_end = size_t(static_cast<const uint8_t*>(g.tensors.front().data) - g.file.data);
    const std::string path = dir.file("flip.gguf");
    int errors = 0;
    for (size_t pos = 0; pos < header_end; pos++) {
        for (uint8_t mask : {uint8_t(0x01), uint8_t(0x80), uint8_t(0xff)}) {
            std::vector<uint8_t> b = good;
            b[pos] ^= mask;
            write_file_bytes(path, b, b.size());
            errors += opens_or_names_file(path, [&] {
                const gguf_file bad = gguf_open(path);
                for (const tensor_view& t : bad.tensors) (void)values_of(t);  // every byte is readable
            });
        }
    }
    EXPECT_GT(errors, 100);  // most flips of counts, lengths and types are caught
}

}  // namespace
}  // namespace clinote
