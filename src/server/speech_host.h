// Whisper and the Silero VAD as the server holds them: loaded by the queue's worker on the
// first recording and kept; touched by the worker only (one job at a time), so no lock.
#pragma once
#include <memory>
#include <optional>
#include <string>

#include "speech/speech_transcribe.h"

namespace clinote {

struct speech_host {
    std::string dir;  // serve --whisper
    speech_engine engine;  // engine.whisper null until the first recording
};

// On the worker: loads Whisper (and the VAD when its weights are there) unless loaded.
void speech_host_require(speech_host& h);

// 409 no_whisper when the server has no Whisper model to load (checked before queueing).
void speech_host_check_available(const speech_host& h);

}  // namespace clinote
