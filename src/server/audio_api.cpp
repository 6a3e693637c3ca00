// Dictation: POST /api/encounters/{id}/audio takes a recording (WAV, FLAC, Ogg, MP3 as the
// body, or the "audio" field of a multipart form), transcribes it with Whisper as a job of
// the one queue (so speech and note generation never compete for the cores) and stores the
// transcript in the vault as the encounter's next transcript version. Whisper is loaded by
// the worker on the first recording and kept (speech_host). Live dictation, audio sent in
// pieces while recording, is in dictation_api.cpp.
#include <algorithm>
#include <chrono>

#include "audio/audio_read.h"
#include "core/error.h"
#include "server/http_json.h"
#include "server/server_context.h"
#include "server/speech_host.h"
#include "speech/speech_transcribe.h"
#include "speech/whisper_mel.h"

namespace clinote {

namespace {

struct audio_request {
    audio_pcm pcm;               // as recorded, for speaker labels by channel
    std::vector<float> samples;  // 16 kHz mono
    std::vector<std::string> speakers;
    whisper_transcribe_options options;
    bool store = true, keep_audio = false, stream = false;
    std::string mime;
    std::string bytes;  // the upload, kept only for keep_audio
};

bool query_bool(const httplib::Request& req, const std::string& key, bool fallback) {
    if (!req.has_param(key.c_str())) return fallback;
    const std::string v = req.get_param_value(key.c_str());
    if (v == "true" || v == "1") return true;
    if (v == "false" || v == "0") return false;
    throw api_error(400, "invalid_field", key + ": must be true or false");
}

audio_request audio_request_parse(const httplib::Request& req) {
    audio_request r;
    std::string_view bytes = req.body;
    r.mime = req.get_header_value("Content-Type");
    if (req.is_multipart_form_data()) {
        if (!req.has_file("audio")) throw api_error(400, "invalid_field", "audio: the form has no \"audio\" file field");
        const auto& file = req.files.find("audio")->second;
        bytes = file.content;
        r.mime = file.content_type;
    }
    if (bytes.empty()) throw api_error(400, "invalid_field", "audio: empty body, no recording");
    r.pcm = audio_decode_memory(bytes, "audio");
    r.samples = audio_to_mono_16k(r.pcm.samples.data(), r.pcm.frames(), r.pcm.channels, r.pcm.sample_rate, "audio");
    if (req.has_param("speakers")) {
        std::string names = req.get_param_value("speakers");
        for (size_t b = 0; b <= names.size();) {
            const size_t e = std::min(names.find(',', b), names.size());
            r.speakers.push_back(names.substr(b, e - b));
            b = e + 1;
        }
    }
    const std::string language = req.has_param("language") ? req.get_param_value("language") : "en";
    r.options.decoding.language = language == "auto" ? "" : language;
    if (req.has_param("prompt")) r.options.initial_prompt = req.get_param_value("prompt");
    r.store = query_bool(req, "store", true);
    r.keep_audio = query_bool(req, "keep_audio", false);
    r.stream = query_bool(req, "stream", false);
    if (r.keep_audio) r.bytes = std::string(bytes);
    return r;
}

// Runs on the worker: each window's text goes to the waiter as it is decoded.
nlohmann::json audio_transcribe(server_context& ctx, speech_host& host, job& j, int64_t encounter_id,
                                const audio_request& r) {
    speech_host_require(host);
    const auto t0 = std::chrono::steady_clock::now();
    const whisper_transcript t = speech_transcribe_speakers(
        host.engine, r.pcm, r.samples, r.options, r.speakers, [&j](const std::vector<whisper_segment>& segs) {
            for (const whisper_segment& s : segs)
                if (!job_emit(j, whisper_segment_line(s) + "\n")) throw clinote::error("transcription: cancelled");
        });
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    // One line per segment ("Doctor: ..." with speaker labels), as `clinote scribe` writes it.
    std::string text;
    nlohmann::json segments = nlohmann::json::array();
    for (const whisper_segment& s : t.segments) {
        text += whisper_segment_line(s) + "\n";
        nlohmann::json seg = {{"start", s.start}, {"end", s.end}, {"text", whisper_segment_text(s)}};
        if (!s.speaker.empty()) seg["speaker"] = s.speaker;
        segments.push_back(std::move(seg));
    }
    nlohmann::json out = {{"text", text},
                          {"language", t.language},
                          {"segments", segments},
                          {"audio_s", double(r.samples.size()) / whisper_sample_rate},
                          {"compute_s", secs},
                          {"transcript", nullptr}};
    vault* v = (r.store && !text.empty()) || r.keep_audio ? &vault_require(ctx) : nullptr;
    if (r.keep_audio) {
        const std::vector<unsigned char> data(r.bytes.begin(), r.bytes.end());
        out["audio_id"] = vault_audio_add(*v, encounter_id, r.mime, data);
    }
    if (r.store && !text.empty()) out["transcript"] = transcript_json(vault_transcript_add(*v, encounter_id, text, "dictation"));
    return out;
}

}  // namespace

void audio_routes_add(httplib::Server& http, server_context& ctx) {
    auto host = std::make_shared<speech_host>();
    host->dir = ctx.opt.whisper_dir;
    http.Post(R"(/api/encounters/(\d+)/audio)", [&ctx, host](const httplib::Request& req, httplib::Response& res) {
        const int64_t id = path_id(req, 1);
        vault_encounter_load(vault_require(ctx), id);  // 404 before any work for an unknown encounter
        speech_host_check_available(*host);
        auto r = std::make_shared<audio_request>(audio_request_parse(req));
        auto j = job_queue_submit(ctx.queue, "transcription", 0,
                                  [&ctx, host, id, r](job& jj) { return audio_transcribe(ctx, *host, jj, id, *r); });
        if (!j) throw_queue_full(ctx);
        if (!r->stream) {
            reply_job_json(ctx, res, j, job_reply_body);
            return;
        }
        reply_job_events(
            ctx, res, j, [](const std::string& piece) { return sse_event({{"delta", piece}}); },
            [](job& jj) { return sse_event(job_reply_body(jj)) + "data: [DONE]\n\n"; });
    });
    dictation_routes_add(http, ctx, host);
}

}  // namespace clinote
