#include "audio/audio_read.h"

#include <mpg123.h>
#include <sndfile.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>

#include "core/error.h"

namespace clinote {
namespace {

constexpr int64_t read_block_frames = 1 << 14;

// An MP3 stream starts with an ID3v2 tag or an MPEG audio frame sync (11 set bits).
// libsndfile is tried for everything else, so its own detection names the problem.
bool looks_like_mp3(const unsigned char* head, size_t n) {
    if (n < 3) return false;
    if (std::memcmp(head, "ID3", 3) == 0) return true;
    return head[0] == 0xFF && (head[1] & 0xE0) == 0xE0;
}

bool file_looks_like_mp3(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    unsigned char head[3] = {0, 0, 0};
    f.read(reinterpret_cast<char*>(head), 3);
    return looks_like_mp3(head, size_t(f.gcount()));
}

// A recording held in memory (an upload), read by both decoders through their callbacks,
// so it never touches the disk unencrypted.
struct memory_source {
    const unsigned char* data;
    int64_t size, pos;
};

int64_t memory_seek(memory_source& m, int64_t offset, int whence) {
    const int64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? m.pos : m.size;
    if (base + offset < 0 || base + offset > m.size) return -1;
    return m.pos = base + offset;
}

int64_t memory_read(memory_source& m, void* out, int64_t n) {
    const int64_t got = std::min(n, m.size - m.pos);
    std::memcpy(out, m.data + m.pos, size_t(got));
    m.pos += got;
    return got;
}

SF_VIRTUAL_IO memory_sf_io() {
    SF_VIRTUAL_IO io{};
    io.get_filelen = [](void* u) -> sf_count_t { return static_cast<memory_source*>(u)->size; };
    io.seek = [](sf_count_t off, int whence, void* u) -> sf_count_t {
        return memory_seek(*static_cast<memory_source*>(u), off, whence);
    };
    io.read = [](void* out, sf_count_t n, void* u) -> sf_count_t {
        return memory_read(*static_cast<memory_source*>(u), out, n);
    };
    io.write = [](const void*, sf_count_t, void*) -> sf_count_t { return 0; };
    io.tell = [](void* u) -> sf_count_t { return static_cast<memory_source*>(u)->pos; };
    return io;
}

void require_readable(const std::string& path) {
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) fail(path, "is a directory, not an audio file");
    std::ifstream f(path, std::ios::binary);
    if (!f) fail(path, "cannot open");
    if (f.peek() == std::ifstream::traits_type::eof()) fail(path, "empty file, no audio");
}

// memory: nullptr to read the file at path, else the bytes (path then only names them).
audio_pcm decode_sndfile(const std::string& path, memory_source* memory) {
    SF_INFO info{};
    SF_VIRTUAL_IO io = memory_sf_io();
    std::unique_ptr<SNDFILE, int (*)(SNDFILE*)> file(
        memory ? sf_open_virtual(&io, SFM_READ, &info, memory) : sf_open(path.c_str(), SFM_READ, &info), sf_close);
    if (!file) fail(path, std::string("not a readable audio file (libsndfile: ") + sf_strerror(nullptr) + ")");
    audio_pcm pcm;
    pcm.sample_rate = info.samplerate;
    pcm.channels = info.channels;
    // info.frames can be a guess for some containers: read until the decoder stops.
    std::vector<float> block(size_t(read_block_frames) * size_t(info.channels));
    for (;;) {
        const sf_count_t got = sf_readf_float(file.get(), block.data(), read_block_frames);
        if (got <= 0) break;
        pcm.samples.insert(pcm.samples.end(), block.begin(), block.begin() + got * info.channels);
    }
    if (sf_error(file.get()) != SF_ERR_NO_ERROR)
        fail(path, std::string("corrupt audio (libsndfile: ") + sf_strerror(file.get()) + ")");
    return pcm;
}

audio_pcm decode_mpg123(const std::string& path, memory_source* memory) {
    int err = MPG123_OK;
    std::unique_ptr<mpg123_handle, void (*)(mpg123_handle*)> mh(mpg123_new(nullptr, &err), mpg123_delete);
    if (!mh) fail(path, std::string("cannot start the MP3 decoder (") + mpg123_plain_strerror(err) + ")");
    mpg123_param(mh.get(), MPG123_ADD_FLAGS, MPG123_QUIET | MPG123_FORCE_FLOAT, 0.0);
    if (memory) {
        mpg123_replace_reader_handle(
            mh.get(),
            [](void* u, void* out, size_t n) -> mpg123_ssize_t {
                return memory_read(*static_cast<memory_source*>(u), out, int64_t(n));
            },
            [](void* u, off_t off, int whence) -> off_t {
                return off_t(memory_seek(*static_cast<memory_source*>(u), off, whence));
            },
            nullptr);
    }
    if ((memory ? mpg123_open_handle(mh.get(), memory) : mpg123_open(mh.get(), path.c_str())) != MPG123_OK)
        fail(path, std::string("not a readable MP3 file (libmpg123: ") + mpg123_strerror(mh.get()) + ")");
    long rate = 0;
    int channels = 0, encoding = 0;
    if (mpg123_getformat(mh.get(), &rate, &channels, &encoding) != MPG123_OK)
        fail(path, std::string("not a readable MP3 file (libmpg123: ") + mpg123_strerror(mh.get()) + ")");
    if (encoding != MPG123_ENC_FLOAT_32) fail(path, "the MP3 decoder does not give 32-bit float samples");
    // The format must stay fixed for the whole stream: one rate and channel count per file.
    mpg123_format_none(mh.get());
    mpg123_format(mh.get(), rate, channels, MPG123_ENC_FLOAT_32);

    audio_pcm pcm;
    pcm.sample_rate = int(rate);
    pcm.channels = channels;
    std::vector<float> block(size_t(read_block_frames) * size_t(channels));
    for (;;) {
        size_t done = 0;
        const int rc = mpg123_read(mh.get(), block.data(), block.size() * sizeof(float), &done);
        // A read may give nothing (an error at the first frame): no copy then.
        pcm.samples.insert(pcm.samples.end(), block.begin(), block.begin() + long(done / sizeof(float)));
        if (rc == MPG123_DONE) break;
        if (rc == MPG123_NEW_FORMAT) fail(path, "the MP3 stream changes its sample rate or channel count");
        if (rc != MPG123_OK) fail(path, std::string("corrupt MP3 audio (libmpg123: ") + mpg123_strerror(mh.get()) + ")");
    }
    return pcm;
}

}  // namespace

audio_pcm audio_decode(const std::string& path) {
    require_readable(path);
    audio_pcm pcm = file_looks_like_mp3(path) ? decode_mpg123(path, nullptr) : decode_sndfile(path, nullptr);
    if (pcm.frames() == 0) fail(path, "no audio samples");
    return pcm;
}

audio_pcm audio_decode_memory(std::string_view bytes, const std::string& where) {
    if (bytes.empty()) fail(where, "empty, no audio");
    memory_source m{reinterpret_cast<const unsigned char*>(bytes.data()), int64_t(bytes.size()), 0};
    audio_pcm pcm = looks_like_mp3(m.data, bytes.size()) ? decode_mpg123(where, &m) : decode_sndfile(where, &m);
    if (pcm.frames() == 0) fail(where, "no audio samples");
    return pcm;
}

std::vector<float> audio_read_mono_16k(const std::string& path) {
    const audio_pcm pcm = audio_decode(path);
    return audio_to_mono_16k(pcm.samples.data(), pcm.frames(), pcm.channels, pcm.sample_rate, path);
}

}  // namespace clinote
