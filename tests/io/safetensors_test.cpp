// safetensors reading against files written by the Python safetensors package (golden
// files from tools/make_io_golden.py), writing by round trip, and malformed headers.
#include <gtest/gtest.h>

#include "io/safetensors.h"
#include "io_test_util.h"
#include "quant/quant.h"

namespace clinote {
namespace {

using namespace clinote::test;
using nlohmann::json;

void expect_tensors(const json& want, const std::function<const tensor_view*(const std::string&)>& find) {
    for (const auto& [name, w] : want.items()) {
        const tensor_view* t = find(name);
        ASSERT_NE(t, nullptr) << name;
        EXPECT_STREQ(dtype_name(t->type), w["dtype"].get<std::string>().c_str()) << name;
        EXPECT_EQ(t->shape, w["shape"].get<std::vector<int64_t>>()) << name;
        std::vector<float> v(size_t(t->numel()));
        ASSERT_EQ(t->nbytes, v.size() * dtype_block_bytes(t->type)) << name;
        dequantize_row(t->type, t->data, v.data(), t->numel());
        EXPECT_EQ(v, w["values"].get<std::vector<float>>()) << name;
    }
}

TEST(SafetensorsRead, SingleFileMatchesPythonPackage) {
    const json golden = read_json(golden_io("safetensors.json"))["small"];
    const safetensors_file st = safetensors_open(golden_io("small.safetensors"));
    EXPECT_EQ(st.metadata, (golden["metadata"].get<std::map<std::string, std::string>>()));
    EXPECT_EQ(st.tensors.size(), golden["tensors"].size());
    expect_tensors(golden["tensors"], [&](const std::string& n) { return st.find_tensor(n); });
    EXPECT_EQ(st.find_tensor("missing"), nullptr);
    for (size_t i = 1; i < st.tensors.size(); i++)  // in file order
        EXPECT_LE(static_cast<const uint8_t*>(st.tensors[i - 1].data), static_cast<const uint8_t*>(st.tensors[i].data));
}

TEST(SafetensorsRead, ShardedDirectory) {
    const json golden = read_json(golden_io("safetensors.json"))["sharded"];
    const safetensors_set set = safetensors_open_dir(golden_io("sharded"));
    EXPECT_EQ(set.shards.size(), 2u);
    EXPECT_EQ(set.by_name.size(), golden["tensors"].size());
    expect_tensors(golden["tensors"], [&](const std::string& n) { return set.find_tensor(n); });
}

TEST(SafetensorsRead, DirectoryWithOneFile) {
    temp_dir dir;
    std::filesystem::copy_file(golden_io("small.safetensors"), dir.file("model.safetensors"));
    const safetensors_set set = safetensors_open_dir(dir.path.string());
    EXPECT_EQ(set.shards.size(), 1u);
    EXPECT_NE(set.find_tensor("lm_head.weight"), nullptr);
    std::filesystem::remove(dir.file("model.safetensors"));
    try {
        (void)safetensors_open_dir(dir.path.string());
        FAIL();
    } catch (const error& e) {
        EXPECT_EQ(std::string(e.what()), dir.path.string() + ": no model.safetensors or model.safetensors.index.json");
    }
}

TEST(SafetensorsWrite, RoundTripAndPythonLayout) {
    temp_dir dir;
    const safetensors_file a = safetensors_open(golden_io("small.safetensors"));
    std::vector<safetensors_writer_tensor> tensors;
    for (const tensor_view& t : a.tensors) tensors.push_back({t.name, t.type, t.shape, t.data, t.nbytes});
    const std::string out = dir.file("copy.safetensors");
    safetensors_write(out, tensors, a.metadata);
    const safetensors_file b = safetensors_open(out);
    EXPECT_EQ(b.metadata, a.metadata);
    ASSERT_EQ(b.tensors.size(), a.tensors.size());
    for (const tensor_view& t : a.tensors) {
        const tensor_view* u = b.find_tensor(t.name);
        ASSERT_NE(u, nullptr) << t.name;
        EXPECT_EQ(u->type, t.type);
        EXPECT_EQ(u->shape, t.shape);
        ASSERT_EQ(u->nbytes, t.nbytes);
        EXPECT_EQ(std::memcmp(u->data, t.data, t.nbytes), 0) << t.name;
    }
    const std::vector<uint8_t> bytes = read_file_bytes(out);
    uint64_t header_len;
    std::memcpy(&header_len, bytes.data(), 8);
    EXPECT_EQ(header_len % 8, 0u);  // data buffer 8-byte aligned, as the Python package writes
}

TEST(SafetensorsWrite, RejectsQuantisedTypesAndBadSizes) {
    temp_dir dir;
    const std::vector<uint8_t> data(64);
    EXPECT_THROW(safetensors_write(dir.file("x"), {{"q", dtype::q8_0, {32}, data.data(), 34}}), error);
    EXPECT_THROW(safetensors_write(dir.file("x"), {{"f", dtype::f32, {3}, data.data(), 16}}), error);
    EXPECT_THROW(safetensors_write(dir.file("x"), {{"f", dtype::f32, {1}, data.data(), 4}, {"f", dtype::f32, {1}, data.data(), 4}}), error);
    EXPECT_FALSE(std::filesystem::exists(dir.file("x")));
}

// A file made of a header text and `data_bytes` zero bytes.
std::vector<uint8_t> make_file(const std::string& header, size_t data_bytes, uint64_t header_len = UINT64_MAX) {
    if (header_len == UINT64_MAX) header_len = header.size();
    std::vector<uint8_t> b(8 + header.size() + data_bytes);
    std::memcpy(b.data(), &header_len, 8);
    std::memcpy(b.data() + 8, header.data(), header.size());
    return b;
}

void expect_error(const temp_dir& dir, const std::vector<uint8_t>& bytes, const std::string& problem) {
    const std::string path = dir.file("bad.safetensors");
    write_file_bytes(path, bytes, bytes.size());
    try {
        (void)safetensors_open(path);
        ADD_FAILURE() << "no error; expected: " << problem;
    } catch (const error& e) {
        const std::string msg = e.what();
        EXPECT_EQ(msg.rfind(path + ": ", 0), 0u) << msg;
        EXPECT_NE(msg.find(problem), std::string::npos) << msg;
    }
}

TEST(SafetensorsCorrupt, MalformedHeadersAreNamed) {
    temp_dir dir;
    const std::string ok = R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
    write_file_bytes(dir.file("ok.safetensors"), make_file(ok, 8), make_file(ok, 8).size());
    EXPECT_EQ(safetensors_open(dir.file("ok.safetensors")).tensors.size(), 1u);

    expect_error(dir, {1, 2, 3}, "too short");
    expect_error(dir, make_file(ok, 8, 1000), "runs past the end");
    expect_error(dir, make_file(ok, 8, uint64_t(1) << 62), "implausibly large");
    expect_error(dir, make_file(R"({"a":{"dtype":"F32",)", 8), "not valid JSON");
    expect_error(dir, make_file("[1,2]", 8), "not a JSON object");
    expect_error(dir, make_file(R"({"a":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}})", 8), "unsupported dtype I64");
    expect_error(dir, make_file(R"({"a":{"shape":[2],"data_offsets":[0,8]}})", 8), "missing dtype");
    expect_error(dir, make_file(R"({"a":{"dtype":"F32","data_offsets":[0,8]}})", 8), "missing shape");
    expect_error(dir, make_file(R"({"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})", 8), "non-negative");
    expect_error(dir, make_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0]}})", 8), "[begin, end]");
    expect_error(dir, make_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,16]}})", 8), "outside the data buffer");
    expect_error(dir, make_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}})", 8), "outside the data buffer");
    expect_error(dir, make_file(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", 8), "its shape needs 12");
    expect_error(dir, make_file(R"({"a":{"dtype":"F32","shape":[4294967296,4294967296,16],"data_offsets":[0,8]}})", 8),
                 "larger than the file");
    expect_error(dir, make_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                                R"("b":{"dtype":"F16","shape":[2],"data_offsets":[4,8]}})", 8), "overlap");
    expect_error(dir, make_file(R"({"__metadata__":{"x":1}})", 0), "not a string");
    expect_error(dir, make_file(R"({"a":3})", 0), "not an object");
}

TEST(SafetensorsCorrupt, EveryTruncationIsAnError) {
    temp_dir dir;
    const std::vector<uint8_t> good = read_file_bytes(golden_io("small.safetensors"));
    const std::string path = dir.file("cut.safetensors");
    for (size_t n = 0; n < good.size(); n++) {
        write_file_bytes(path, good, n);
        EXPECT_TRUE(opens_or_names_file(path, [&] { (void)safetensors_open(path); })) << n;
    }
}

TEST(SafetensorsCorrupt, BadIndexOrMissingShard) {
    temp_dir dir;
    std::filesystem::copy_file(golden_io("small.safetensors"), dir.file("a.safetensors"));
    auto write_index = [&](const std::string& text) {
        std::ofstream(dir.file("model.safetensors.index.json")) << text;
    };
    const std::string index = dir.file("model.safetensors.index.json");
    write_index("{not json");
    EXPECT_TRUE(opens_or_names_file(index, [&] { (void)safetensors_open_dir(dir.path.string()); }));
    write_index(R"({"weight_map":{"x":"../a.safetensors"}})");
    EXPECT_TRUE(opens_or_names_file(index, [&] { (void)safetensors_open_dir(dir.path.string()); }));
    write_index(R"({"weight_map":{"not.there":"a.safetensors"}})");
    EXPECT_TRUE(opens_or_names_file(dir.file("a.safetensors"), [&] { (void)safetensors_open_dir(dir.path.string()); }));
    write_index(R"({"weight_map":{"scalar":"b.safetensors"}})");
    EXPECT_TRUE(opens_or_names_file(dir.file("b.safetensors"), [&] { (void)safetensors_open_dir(dir.path.string()); }));
    write_index(R"({"weight_map":{"scalar":"a.safetensors"}})");
    EXPECT_NE(safetensors_open_dir(dir.path.string()).find_tensor("scalar"), nullptr);
}

}  // namespace
}  // namespace clinote
