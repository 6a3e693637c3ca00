#include "speech/whisper_chunked.h"

#include "speech/vad_chunks.h"
#include "speech/whisper_mel.h"

namespace clinote {

whisper_transcript whisper_transcribe_chunked(const whisper_model& m, const vad_model& vad, const float* samples,
                                              int64_t n, const whisper_transcribe_options& opt,
                                              const whisper_segment_callback& on_segments) {
    const std::vector<float> probs = vad_probabilities(vad, samples, n);
    whisper_transcript out;
    out.language = opt.decoding.language;
    whisper_transcribe_options o = opt;
    std::string previous;  // text so far, the next piece's prompt (as condition_on_previous_text)
    for (const audio_chunk& c : vad_chunks(probs, n)) {
        if (!c.has_speech) continue;
        o.initial_prompt = opt.initial_prompt;
        if (opt.condition_on_previous_text && !previous.empty())
            o.initial_prompt += (o.initial_prompt.empty() ? "" : " ") + previous;
        const whisper_transcript t = whisper_transcribe(m, samples + c.start, c.end - c.start, o, on_segments,
                                                        double(c.start) / whisper_sample_rate);
        if (o.decoding.language.empty()) o.decoding.language = out.language = t.language;
        out.segments.insert(out.segments.end(), t.segments.begin(), t.segments.end());
        if (!t.text.empty()) {
            out.text += (out.text.empty() ? "" : " ") + t.text;
            previous = t.text;
        }
    }
    return out;
}

whisper_transcript whisper_transcribe_recording(const whisper_model& m, const vad_model* vad, const float* samples,
                                                int64_t n, const whisper_transcribe_options& opt,
                                                const whisper_segment_callback& on_segments) {
    if (vad && n > whisper_chunk_samples)
        return whisper_transcribe_chunked(m, *vad, samples, n, opt, on_segments);
    return whisper_transcribe(m, samples, n, opt, on_segments);
}

}  // namespace clinote
