// An uploaded recording (WAV, FLAC, Ogg, MP3) → audio_decode_memory, then 16 kHz mono as
// the dictation path does.
#include <string_view>

#include "audio/audio_read.h"
#include "core/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    try {
        const clinote::audio_pcm pcm =
            clinote::audio_decode_memory(std::string_view(reinterpret_cast<const char*>(data), size), "upload");
        clinote::audio_to_mono_16k(pcm.samples.data(), pcm.frames(), pcm.channels, pcm.sample_rate, "upload");
    } catch (const clinote::error&) {
    }
    return 0;
}
