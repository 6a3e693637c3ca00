// Uploads are decoded from memory: the same samples, rate and channels as decoding the file
// (every format of the golden set: WAV, FLAC, Ogg Vorbis, MP3 with its gapless trim), and the
// same one-line errors for bad bytes.
#include <gtest/gtest.h>

#include "audio/audio_read.h"
#include "core/error.h"
#include "core/file.h"
#include "core/paths.h"

using namespace clinote;

namespace {

std::string golden_audio(const std::string& name) { return source_dir() + "/tests/golden/audio/" + name; }

void expect_error(std::string_view bytes, const std::string& what) {
    try {
        audio_decode_memory(bytes, "upload");
        FAIL() << "no error; expected " << what;
    } catch (const clinote::error& e) {
        const std::string msg = e.what();
        EXPECT_EQ(msg.rfind("upload: ", 0), 0u) << msg;
        EXPECT_NE(msg.find(what), std::string::npos) << msg;
    }
}

}  // namespace

TEST(AudioMemory, EqualsDecodingTheFile) {
    for (const char* name : {"tone_44100_stereo.wav", "tone_44100_stereo.flac", "tone_8000_mono.wav",
                             "tone_48000_mono.mp3", "speech_22050_mono.ogg"}) {
        const audio_pcm from_file = audio_decode(golden_audio(name));
        const audio_pcm from_memory = audio_decode_memory(file_read(golden_audio(name)), name);
        EXPECT_EQ(from_memory.sample_rate, from_file.sample_rate) << name;
        EXPECT_EQ(from_memory.channels, from_file.channels) << name;
        EXPECT_EQ(from_memory.samples, from_file.samples) << name;
    }
}

TEST(AudioMemory, BadBytes) {
    expect_error("", "empty");
    expect_error("Doctor: this is a transcript, not a recording", "not a readable audio file");
    const std::string wav = file_read(golden_audio("tone_8000_mono.wav"));
    expect_error(std::string_view(wav).substr(0, 44), "no audio samples");
    expect_error(std::string("ID3\x04\0\0\0\0\0\0", 10) + std::string(400, '\x55'), "MP3");
}
