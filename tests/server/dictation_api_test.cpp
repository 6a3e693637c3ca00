// Live dictation over loopback: jfk.wav sent in 2 s pieces of 16-bit PCM, as the web UI
// sends the microphone. The text committed before the end must grow (each reply's text a
// prefix of the next), and the final text, the committed chunks joined, must be the known
// sentence (Whisper base's output for the whole file, tests/speech/whisper_base_test.cpp)
// after lower-casing and dropping punctuation. Bad pieces get 4xx with a JSON error.
#include <algorithm>
#include <cctype>
#include <cstring>
#include <filesystem>
#include <thread>

#include "audio/audio_read.h"
#include "server_fixture.h"

namespace clinote {
namespace {

using test::running_server;

const std::string k_sentence =
    "And so my fellow Americans, ask not what your country can do for you, ask what you can do for your country.";

std::string whisper_dir() { return source_dir() + "/models/whisper-base"; }
bool have_whisper() { return std::filesystem::exists(whisper_dir() + "/model.bin"); }

std::vector<std::string> words(const std::string& text) {
    std::vector<std::string> out(1);
    for (char c : text) {
        if (std::isalnum(static_cast<unsigned char>(c)) || c == '\'') out.back() += char(std::tolower(static_cast<unsigned char>(c)));
        else if (std::isspace(static_cast<unsigned char>(c)) && !out.back().empty()) out.emplace_back();
    }
    if (out.back().empty()) out.pop_back();
    return out;
}

// Word-level edit distance (substitutions + deletions + insertions).
size_t word_errors(const std::vector<std::string>& ref, const std::vector<std::string>& hyp) {
    std::vector<size_t> row(hyp.size() + 1);
    for (size_t j = 0; j <= hyp.size(); j++) row[j] = j;
    for (size_t i = 1; i <= ref.size(); i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= hyp.size(); j++) {
            const size_t up = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (ref[i - 1] == hyp[j - 1] ? 0 : 1)});
            diag = up;
        }
    }
    return row[hyp.size()];
}

std::string pcm16(const float* x, size_t n) {
    std::string out(2 * n, '\0');
    for (size_t i = 0; i < n; i++) {
        const int16_t v = int16_t(std::clamp(x[i], -1.0f, 1.0f) * 32767.0f);
        std::memcpy(out.data() + 2 * i, &v, 2);
    }
    return out;
}

server_options with_whisper() {
    server_options opt;
    opt.whisper_dir = whisper_dir();
    return opt;
}

int64_t session_open(running_server& srv) {
    srv.post_json("/api/vault/unlock", {{"passphrase", "correct horse"}, {"create", true}});
    const int64_t encounter = srv.post_json("/api/encounters", {{"title", "dictated"}}, 201)["id"];
    return srv.post_json("/api/encounters/" + std::to_string(encounter) + "/dictation", nlohmann::json::object(), 201)["session"];
}

httplib::Result piece_send(running_server& srv, int64_t session, const std::string& pcm, const std::string& query = "?rate=16000",
                           const std::string& type = "audio/pcm") {
    return srv.client->Post(("/api/dictation/" + std::to_string(session) + "/audio" + query).c_str(), pcm, type.c_str());
}

TEST(Dictation, BadPiecesAreRefusedWithJsonErrors) {
    if (!have_whisper()) GTEST_SKIP() << "models/whisper-base is absent (run scripts/setup.sh)";
    running_server srv(with_whisper());
    const int64_t s = session_open(srv);
    const std::vector<float> second(16000, 0.0f);
    auto code = [](const httplib::Result& r) {
        return r ? nlohmann::json::parse(r->body)["error"]["code"].get<std::string>() : std::string("no reply");
    };
    auto r = piece_send(srv, s + 100, pcm16(second.data(), second.size()));
    EXPECT_EQ(r->status, 404);
    EXPECT_EQ(code(r), "not_found");
    r = piece_send(srv, s, pcm16(second.data(), second.size()), "?rate=16000", "audio/wav");
    EXPECT_EQ(r->status, 415);
    EXPECT_NE(r->body.find("Content-Type"), std::string::npos) << r->body;
    r = piece_send(srv, s, pcm16(second.data(), second.size()), "");
    EXPECT_EQ(r->status, 400);
    EXPECT_EQ(code(r), "missing_field");
    r = piece_send(srv, s, pcm16(second.data(), second.size()), "?rate=12");
    EXPECT_EQ(r->status, 400);
    r = piece_send(srv, s, "abc");
    EXPECT_EQ(r->status, 400);
    EXPECT_NE(r->body.find("odd byte count"), std::string::npos) << r->body;
    const std::vector<float> long_piece(16000 * 31, 0.0f);
    r = piece_send(srv, s, pcm16(long_piece.data(), long_piece.size()));
    EXPECT_EQ(r->status, 413);
    EXPECT_EQ(code(r), "piece_too_large");
    EXPECT_EQ(srv.get_json("/api/dictation/" + std::to_string(s))["received_s"], 0.0);  // nothing kept
    EXPECT_EQ(srv.post_json("/api/encounters/999999/dictation", nlohmann::json::object(), 404)["error"]["code"], "not_found");
}

TEST(Dictation, PiecesGiveGrowingTextAndTheKnownSentenceSlow) {
    if (!have_whisper()) GTEST_SKIP() << "models/whisper-base is absent (run scripts/setup.sh)";
    running_server srv(with_whisper());
    const int64_t s = session_open(srv);
    const std::string path = "/api/dictation/" + std::to_string(s);
    const std::vector<float> audio = audio_read_mono_16k(shared_dir() + "/audio/jfk.wav");
    // A second of silence after the speech, as a microphone records before Stop.
    std::vector<float> recording = audio;
    recording.resize(audio.size() + 16000, 0.0f);

    std::vector<std::string> partials;
    const size_t piece = 2 * 16000;
    for (size_t at = 0; at < recording.size(); at += piece) {
        auto r = piece_send(srv, s, pcm16(recording.data() + at, std::min(piece, recording.size() - at)));
        ASSERT_TRUE(r);
        ASSERT_EQ(r->status, 200) << r->body;
        // As in real time: the next piece comes after the chunk job for this one has run.
        nlohmann::json state;
        do {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            state = srv.get_json(path);
        } while (state["pending"] == true);
        partials.push_back(state["text"]);
        std::printf("after %.0f s: \"%s\"\n", double(std::min(at + piece, recording.size())) / 16000, partials.back().c_str());
    }
    for (size_t i = 1; i < partials.size(); i++)
        EXPECT_EQ(partials[i].rfind(partials[i - 1], 0), 0u) << "committed text must only grow: '" << partials[i - 1]
                                                               << "' then '" << partials[i] << "'";
    EXPECT_FALSE(partials.back().empty()) << "no text was committed before finish";
    EXPECT_TRUE(partials.front().empty() || partials.front() != partials.back()) << "the text should grow while dictating";

    const nlohmann::json done = srv.post_json(path + "/finish", nlohmann::json::object());
    const std::string text = done["text"];
    std::printf("final: \"%s\" (%d chunks)\n", text.c_str(), done["chunks"].get<int>());
    EXPECT_EQ(text.rfind(partials.back(), 0), 0u) << "the final text starts with what was committed";
    EXPECT_LE(word_errors(words(k_sentence), words(text)), 1u) << text;
    EXPECT_EQ(done["transcript"]["version"], 1);
    EXPECT_EQ(done["transcript"]["source"], "dictation");
    srv.get_json(path, 404);  // finished sessions are gone
}

}  // namespace
}  // namespace clinote
