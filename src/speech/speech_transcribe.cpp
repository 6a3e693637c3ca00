#include "speech/speech_transcribe.h"

#include "core/error.h"
#include "speech/speaker_channels.h"
#include "speech/speaker_clusters.h"
#include "speech/whisper_chunked.h"

namespace clinote {

speech_engine speech_engine_load(const std::string& whisper_dir, bool use_vad) {
    speech_engine e;
    e.whisper = whisper_load(whisper_dir);
    if (use_vad) {
        try {
            e.vad = vad_load(vad_default_model_path());
        } catch (const clinote::error&) {
            // No Silero VAD weights: the caller sees e.vad empty and long recordings take 30 s windows.
        }
    }
    return e;
}

whisper_transcript speech_transcribe(const speech_engine& e, const float* mono_16k, int64_t n,
                                     const whisper_transcribe_options& options,
                                     const whisper_segment_callback& on_segments) {
    return whisper_transcribe_recording(*e.whisper, e.vad ? &*e.vad : nullptr, mono_16k, n, options, on_segments);
}

whisper_transcript speech_transcribe_speakers(const speech_engine& e, const audio_pcm& pcm,
                                              const std::vector<float>& mono_16k,
                                              const whisper_transcribe_options& options,
                                              const std::vector<std::string>& speakers,
                                              const whisper_segment_callback& on_segments) {
    if (speakers.empty()) return speech_transcribe(e, mono_16k.data(), int64_t(mono_16k.size()), options, on_segments);
    if (pcm.channels > 1) {
        auto labelled = [&](std::vector<whisper_segment> segs) {
            speaker_labels_apply(pcm, segs, speakers);
            return segs;
        };
        whisper_transcript t = speech_transcribe(e, mono_16k.data(), int64_t(mono_16k.size()), options, [&](const std::vector<whisper_segment>& segs) {
            if (on_segments) on_segments(labelled(segs));
        });
        t.segments = labelled(std::move(t.segments));
        return t;
    }
    // Mono labels need every stretch's voice: the segments are passed on at the end.
    whisper_transcript t = speech_transcribe(e, mono_16k.data(), int64_t(mono_16k.size()), options);
    // Without the VAD weights, each Whisper segment is taken as one voice.
    std::vector<speech_segment> units;
    if (e.vad) units = speaker_stretches(*e.vad, mono_16k.data(), int64_t(mono_16k.size()));
    speaker_labels_cluster(mono_16k.data(), int64_t(mono_16k.size()), units, t.segments, speakers);
    if (on_segments) on_segments(t.segments);
    return t;
}

}  // namespace clinote
