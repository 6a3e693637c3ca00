// Reading JSONL inputs of `clinote rouge`: good files and each kind of bad line.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "core/error.h"
#include "eval/jsonl_texts.h"

namespace clinote {
namespace {

struct temp_file {
    std::string path;
    explicit temp_file(const std::string& content) {
        char name[] = "/tmp/clinote_jsonl_XXXXXX";
        const int fd = mkstemp(name);
        EXPECT_GE(fd, 0);
        ::close(fd);
        path = name;
        std::ofstream(path, std::ios::binary) << content;
    }
    ~temp_file() { std::remove(path.c_str()); }
};

std::string error_of(const std::string& content) {
    temp_file f(content);
    try {
        jsonl_texts_read(f.path);
    } catch (const error& e) {
        const std::string msg = e.what();
        EXPECT_EQ(msg.rfind(f.path + ":", 0), 0u) << msg;  // names the file first
        return msg.substr(f.path.size());
    }
    return "no error";
}

TEST(JsonlTexts, ReadsTextsAndSkipsBlankLines) {
    temp_file f("{\"text\": \"first\\nline\", \"id\": 1}\n\n{\"text\": \"caf\xC3\xA9\"}\r\n");
    const auto t = jsonl_texts_read(f.path);
    ASSERT_EQ(t.size(), 2u);
    EXPECT_EQ(t[0].text, "first\nline");
    EXPECT_EQ(t[0].line, 1u);
    EXPECT_EQ(t[1].text, "caf\xC3\xA9");
    EXPECT_EQ(t[1].line, 3u);
}

TEST(JsonlTexts, BadLinesNameFileAndLine) {
    EXPECT_EQ(error_of("{\"text\": \"a\"}\n{\"text\": \"b\"\n").rfind(":2: malformed JSON (", 0), 0u);
    EXPECT_EQ(error_of("{\"text\": \"a\"}\n{\"note\": \"b\"}\n"), ":2: missing field \"text\"");
    EXPECT_EQ(error_of("{\"text\": 5}\n"), ":1: field \"text\" is not a string");
    EXPECT_EQ(error_of("[\"text\"]\n"), ":1: expected a JSON object such as {\"text\": \"...\"}");
    EXPECT_EQ(error_of("{\"text\": \"a\xFF\"}\n"), ":1: not valid UTF-8 (byte offset 11)");
    EXPECT_THROW(jsonl_texts_read("/nonexistent/x.jsonl"), error);
}

}  // namespace
}  // namespace clinote
