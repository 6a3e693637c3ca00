// Long recordings through the VAD chunker: ~20 s pieces cut in silences (vad_chunks), each
// transcribed on its own (silent pieces skipped) with the text before it as its prompt, so
// no word is cut in two at a window edge and none is written twice.
#pragma once
#include "speech/vad.h"
#include "speech/whisper_transcribe.h"

namespace clinote {

whisper_transcript whisper_transcribe_chunked(const whisper_model& m, const vad_model& vad, const float* samples,
                                              int64_t n, const whisper_transcribe_options& opt,
                                              const whisper_segment_callback& on_segments = {});

// A whole recording: through the chunker when it is longer than one 30 s window and a VAD
// model is given, else openai-whisper's sliding windows.
whisper_transcript whisper_transcribe_recording(const whisper_model& m, const vad_model* vad, const float* samples,
                                                int64_t n, const whisper_transcribe_options& opt,
                                                const whisper_segment_callback& on_segments = {});

}  // namespace clinote
