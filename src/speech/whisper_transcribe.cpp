#include "speech/whisper_transcribe.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "speech/whisper_encoder.h"
#include "speech/whisper_mel.h"

namespace clinote {

whisper_decoding_result whisper_decode_with_fallback(const whisper_model& m, const whisper_cross_kv& cross,
                                                     const std::vector<int32_t>& prompt,
                                                     const whisper_transcribe_options& opt) {
    if (opt.temperatures.empty()) fail("whisper", "no temperatures to decode with");
    whisper_decoding_result r;
    for (float t : opt.temperatures) {
        r = whisper_decode_window(m, cross, prompt, opt.decoding, t);
        bool needs_fallback = false;
        if (opt.compression_ratio_threshold > 0 && r.compression_ratio > opt.compression_ratio_threshold)
            needs_fallback = true;  // too repetitive
        const bool low_logprob = !std::isnan(opt.logprob_threshold) && r.avg_logprob < opt.logprob_threshold;
        if (low_logprob) needs_fallback = true;
        if (!std::isnan(opt.no_speech_threshold) && r.no_speech_prob > opt.no_speech_threshold && low_logprob)
            needs_fallback = false;  // silence: nothing better to find
        if (!needs_fallback) break;
    }
    return r;
}

whisper_transcript whisper_transcribe(const whisper_model& m, const float* samples, int64_t n,
                                      const whisper_transcribe_options& opt,
                                      const whisper_segment_callback& on_segments, double offset_s) {
    const whisper_vocab& v = m.vocab;
    const mel_spectrogram mel = whisper_log_mel(samples, n, m.config.n_mels);
    const int64_t window = 2 * int64_t(m.config.n_audio_ctx);  // mel frames the encoder takes
    const int64_t content_frames = mel.n_frames - whisper_chunk_frames;
    const int input_stride = int(window / m.config.n_audio_ctx);  // mel frames per output position
    const double time_precision = double(input_stride) * whisper_hop_length / whisper_sample_rate;
    const double frame_s = double(whisper_hop_length) / whisper_sample_rate;

    whisper_transcribe_options o = opt;
    whisper_transcript out;
    std::vector<int32_t> all_tokens;
    size_t prompt_reset_since = 0;
    if (!opt.initial_prompt.empty()) all_tokens = tokenizer_encode(m.tok, " " + opt.initial_prompt, false);

    std::vector<float> segment(size_t(m.config.n_mels * window));
    int64_t seek = 0;
    while (seek < content_frames) {
        const double time_offset = double(seek) * frame_s;
        const int64_t segment_size = std::min(window, content_frames - seek);
        // The spectrogram carries 30 s of padding after the audio, so a window never runs out.
        for (int b = 0; b < mel.n_mels; b++)
            std::copy_n(&mel.data[size_t(b * mel.n_frames + seek)], window, &segment[size_t(b * window)]);
        const whisper_cross_kv cross = whisper_cross_kv_compute(m, whisper_encode(m, segment.data(), mel.n_mels, window));
        if (o.decoding.language.empty()) o.decoding.language = whisper_detect_language(m, cross);

        const std::vector<int32_t> prompt(all_tokens.begin() + long(prompt_reset_since), all_tokens.end());
        const whisper_decoding_result r = whisper_decode_with_fallback(m, cross, prompt, o);
        if (!std::isnan(o.no_speech_threshold) && r.no_speech_prob > o.no_speech_threshold &&
            !(!std::isnan(o.logprob_threshold) && r.avg_logprob > o.logprob_threshold)) {
            seek += segment_size;  // silence
            continue;
        }

        const std::vector<int32_t>& tokens = r.tokens;
        auto is_ts = [&](size_t i) { return tokens[i] >= v.timestamp_begin; };
        std::vector<whisper_segment> current;
        auto add_segment = [&](double start, double end, std::vector<int32_t> seg_tokens) {
            whisper_segment s;
            s.start = offset_s + start;
            s.end = offset_s + end;
            s.text = whisper_tokens_text(m, seg_tokens);
            s.tokens = std::move(seg_tokens);
            s.avg_logprob = r.avg_logprob;
            s.no_speech_prob = r.no_speech_prob;
            s.temperature = r.temperature;
            s.compression_ratio = r.compression_ratio;
            if (s.end > s.start && s.text.find_first_not_of(" ") != std::string::npos) current.push_back(std::move(s));
        };
        const size_t nt = tokens.size();
        const bool single_timestamp_ending = nt >= 2 && !is_ts(nt - 2) && is_ts(nt - 1);
        std::vector<size_t> slices;  // where two timestamps in a row close one segment and open the next
        for (size_t i = 1; i < nt; i++)
            if (is_ts(i - 1) && is_ts(i)) slices.push_back(i);
        if (!slices.empty()) {
            if (single_timestamp_ending) slices.push_back(nt);
            size_t last_slice = 0;
            for (size_t cur : slices) {
                std::vector<int32_t> sliced(tokens.begin() + long(last_slice), tokens.begin() + long(cur));
                const double start = time_offset + double(sliced.front() - v.timestamp_begin) * time_precision;
                const double end = time_offset + double(sliced.back() - v.timestamp_begin) * time_precision;
                add_segment(start, end, std::move(sliced));
                last_slice = cur;
            }
            if (single_timestamp_ending) seek += segment_size;
            else seek += int64_t(tokens[last_slice - 1] - v.timestamp_begin) * input_stride;
        } else {
            double duration = double(segment_size) * frame_s;
            for (size_t i = nt; i-- > 0;)
                if (is_ts(i)) {
                    if (tokens[i] != v.timestamp_begin) duration = double(tokens[i] - v.timestamp_begin) * time_precision;
                    break;
                }
            add_segment(time_offset, time_offset + duration, tokens);
            seek += segment_size;
        }

        for (const whisper_segment& s : current) all_tokens.insert(all_tokens.end(), s.tokens.begin(), s.tokens.end());
        if (!o.condition_on_previous_text || r.temperature > 0.5f) prompt_reset_since = all_tokens.size();
        if (on_segments && !current.empty()) on_segments(current);
        out.segments.insert(out.segments.end(), current.begin(), current.end());
    }
    out.language = o.decoding.language;
    for (const whisper_segment& s : out.segments) out.text += s.text;
    const size_t b = out.text.find_first_not_of(' ');
    out.text = b == std::string::npos ? "" : out.text.substr(b);
    return out;
}

std::string whisper_segment_text(const whisper_segment& s) {
    const size_t b = s.text.find_first_not_of(' ');
    return b == std::string::npos ? "" : s.text.substr(b);
}

std::string whisper_segment_line(const whisper_segment& s) {
    return (s.speaker.empty() ? "" : s.speaker + ": ") + whisper_segment_text(s);
}

}  // namespace clinote
