// Live dictation: while the clinician speaks, the browser sends the microphone's PCM in
// pieces of a few seconds to a session. The server keeps the session's audio; after each
// piece a queue job (one model in memory: Whisper jobs share the queue with generation)
// runs the Silero VAD over what is not yet transcribed, cuts off the speech that has ended
// in a pause, and transcribes that chunk once, with the text before it as its prompt. The
// reply to each piece carries the text committed so far; finishing transcribes the rest,
// so the final text is the committed chunks joined, with no word lost or written twice.
//
//   POST   /api/encounters/{id}/dictation[?language=&prompt=]  → 201 {"session": N}
//   POST   /api/dictation/{N}/audio?rate=R   body: 16-bit little-endian mono PCM (audio/pcm)
//   GET    /api/dictation/{N}                 the session's state and committed text
//   POST   /api/dictation/{N}/finish[?store=] the final transcript (stored as the next version)
//   DELETE /api/dictation/{N}                 discards the session
#include <algorithm>
#include <cstring>
#include <map>

#include "audio/audio_read.h"
#include "core/error.h"
#include "server/http_json.h"
#include "server/server_context.h"
#include "server/speech_host.h"
#include "speech/vad_chunks.h"
#include "speech/speech_transcribe.h"
#include "speech/whisper_mel.h"

namespace clinote {

namespace {

constexpr double k_piece_max_s = 30.0;        // one request's audio
constexpr double k_session_max_s = 2 * 3600;  // a whole dictation
constexpr double k_pause_s = 0.5;             // silence after speech that ends a chunk
constexpr double k_chunk_min_s = 3.0;         // shorter speech waits for more (Whisper guesses on scraps)
constexpr double k_chunk_force_s = 25.0;      // speech without such a pause is cut anyway (VAD chunker)

struct dictation_session {
    int64_t id = 0;
    int64_t encounter_id = 0;
    whisper_transcribe_options options;

    std::mutex mu;  // HTTP threads append, the worker cuts: guards what follows
    std::vector<float> samples;      // 16 kHz mono, all received
    int64_t committed = 0;           // samples [0, committed) are transcribed
    std::vector<std::string> texts;  // one per transcribed chunk with speech, in order
    bool job_queued = false;         // a job that will look at new audio is waiting
    bool transcribing = false;       // a chunk job is running
    bool finishing = false;          // no more pieces
};

struct dictation_registry {
    std::mutex mu;
    std::map<int64_t, std::shared_ptr<dictation_session>> sessions;
    int64_t next_id = 1;
};

std::string texts_join(const std::vector<std::string>& texts) {
    std::string out;
    for (const std::string& t : texts) out += (out.empty() ? "" : " ") + t;
    return out;
}

// Samples of the region (which starts at the first untranscribed sample) whose speech has
// ended: up to a pause of k_pause_s after a speech segment, once at least k_chunk_min_s;
// 0 while the speech may go on. A region without speech is dropped up to its last half
// pause; one with k_chunk_force_s of speech and no pause is cut where the VAD chunker cuts.
// segs: the VAD's speech segments of the region.
int64_t dictation_cut(const std::vector<speech_segment>& segs, const std::vector<float>& probs, int64_t n) {
    const int64_t rate = whisper_sample_rate;
    const int64_t pause = int64_t(k_pause_s * rate);
    if (segs.empty()) return n > 2 * pause ? n - pause : 0;
    for (size_t i = segs.size(); i-- > 0;) {
        const int64_t next = i + 1 < segs.size() ? segs[i + 1].start : n;
        const int64_t end = segs[i].end;
        if (next - end >= pause && end >= int64_t(k_chunk_min_s * rate)) return end + (next - end) / 2;
    }
    if (n < int64_t(k_chunk_force_s * rate)) return 0;
    vad_chunk_options o;
    o.target_s = k_chunk_force_s * 0.8;
    o.max_s = k_chunk_force_s;
    return vad_chunks(probs, n, o).front().end;
}

// On the worker: transcribes every chunk that has ended (all that is left when `final`).
void dictation_advance(speech_host& host, dictation_session& s, bool final) {
    speech_host_require(host);
    while (true) {
        std::vector<float> region;
        std::string previous;
        {
            std::lock_guard<std::mutex> lock(s.mu);
            region.assign(s.samples.begin() + s.committed, s.samples.end());
            if (!s.texts.empty()) previous = s.texts.back();
        }
        const int64_t n = int64_t(region.size());
        if (n == 0) return;
        std::vector<float> probs;
        std::vector<speech_segment> segs;
        if (host.engine.vad) {
            probs = vad_probabilities(*host.engine.vad, region.data(), n);
            segs = vad_speech_segments(probs, n);
        }
        // Without the VAD, audio is cut only at Whisper's 30 s window (and at the end).
        const int64_t cut = final ? n
                            : host.engine.vad ? dictation_cut(segs, probs, n)
                                       : (n >= whisper_chunk_samples ? int64_t(whisper_chunk_samples) : 0);
        if (cut == 0) return;
        const bool speech =
            !host.engine.vad || std::any_of(segs.begin(), segs.end(), [cut](const speech_segment& g) { return g.start < cut; });
        std::string text;
        if (speech) {
            whisper_transcribe_options o = s.options;
            if (!previous.empty()) o.initial_prompt += (o.initial_prompt.empty() ? "" : " ") + previous;
            text = speech_transcribe(host.engine, region.data(), cut, o).text;
        }
        std::lock_guard<std::mutex> lock(s.mu);
        s.committed += cut;
        if (!text.empty()) s.texts.push_back(text);
        if (final) return;
    }
}

nlohmann::json session_json(dictation_session& s) {
    std::lock_guard<std::mutex> lock(s.mu);
    return {{"session", s.id},
            {"encounter", s.encounter_id},
            {"text", texts_join(s.texts)},
            {"chunks", s.texts.size()},
            {"received_s", double(s.samples.size()) / whisper_sample_rate},
            {"committed_s", double(s.committed) / whisper_sample_rate},
            {"pending", s.job_queued || s.transcribing}};
}

std::shared_ptr<dictation_session> session_find(dictation_registry& r, const httplib::Request& req) {
    std::lock_guard<std::mutex> lock(r.mu);
    const auto it = r.sessions.find(path_id(req, 1));
    if (it == r.sessions.end())
        throw api_error(404, "not_found", "dictation session " + req.matches[1].str() + ": unknown or finished");
    return it->second;
}

// The piece's samples at 16 kHz: the body is 16-bit little-endian mono PCM at ?rate=.
std::vector<float> piece_decode(const httplib::Request& req) {
    const std::string type = req.get_header_value("Content-Type");
    if (type.rfind("audio/pcm", 0) != 0)
        throw api_error(415, "unsupported_media_type",
                        "Content-Type: '" + type + "'; expected audio/pcm (16-bit little-endian mono samples, rate in ?rate=)");
    if (!req.has_param("rate")) throw api_error(400, "missing_field", "rate: required (samples per second)");
    int rate = 0;
    try {
        rate = std::stoi(req.get_param_value("rate"));
    } catch (const std::exception&) {
    }
    if (rate < 8000 || rate > 96000) throw api_error(400, "invalid_field", "rate: must be 8000 to 96000");
    const std::string& body = req.body;
    if (body.empty()) throw api_error(400, "invalid_field", "audio: empty piece");
    if (body.size() % 2 != 0) throw api_error(400, "invalid_field", "audio: odd byte count; expected 16-bit samples");
    const size_t n = body.size() / 2;
    if (double(n) / rate > k_piece_max_s)
        throw api_error(413, "piece_too_large",
                        "audio: " + std::to_string(n / size_t(rate)) + " s in one piece; send at most " +
                            std::to_string(int(k_piece_max_s)) + " s at a time");
    std::vector<float> pcm(n);
    for (size_t i = 0; i < n; i++) {
        int16_t v;
        std::memcpy(&v, body.data() + 2 * i, 2);  // little-endian host (x86-64, arm64)
        pcm[i] = float(v) / 32768.0f;
    }
    if (rate == whisper_sample_rate) return pcm;
    return audio_to_mono_16k(pcm.data(), int64_t(n), 1, rate, "audio");
}

}  // namespace

void dictation_routes_add(httplib::Server& http, server_context& ctx, std::shared_ptr<speech_host> host) {
    auto registry = std::make_shared<dictation_registry>();

    http.Post(R"(/api/encounters/(\d+)/dictation)", [&ctx, host, registry](const httplib::Request& req, httplib::Response& res) {
        auto s = std::make_shared<dictation_session>();
        s->encounter_id = path_id(req, 1);
        vault_encounter_load(vault_require(ctx), s->encounter_id);  // 404 for an unknown encounter
        speech_host_check_available(*host);
        const std::string language = req.has_param("language") ? req.get_param_value("language") : "en";
        s->options.decoding.language = language == "auto" ? "" : language;
        if (req.has_param("prompt")) s->options.initial_prompt = req.get_param_value("prompt");
        {
            std::lock_guard<std::mutex> lock(registry->mu);
            s->id = registry->next_id++;
            registry->sessions[s->id] = s;
        }
        reply_json(res, session_json(*s), 201);
    });

    // Appends a piece and, unless one is waiting already, queues a job to transcribe what
    // has ended. Answers at once with the text committed so far (the page shows it).
    http.Post(R"(/api/dictation/(\d+)/audio)", [&ctx, host, registry](const httplib::Request& req, httplib::Response& res) {
        const std::shared_ptr<dictation_session> s = session_find(*registry, req);
        const std::vector<float> piece = piece_decode(req);
        bool queue = false;
        {
            std::lock_guard<std::mutex> lock(s->mu);
            if (s->finishing) throw api_error(409, "finished", "dictation session " + std::to_string(s->id) + ": finishing");
            if (double(s->samples.size() + piece.size()) / whisper_sample_rate > k_session_max_s)
                throw api_error(413, "session_too_long", "audio: a dictation may last at most 2 hours");
            s->samples.insert(s->samples.end(), piece.begin(), piece.end());
            queue = !s->job_queued;
            s->job_queued = true;
        }
        if (queue) {
            auto j = job_queue_submit(ctx.queue, "dictation", 0, [host, s](job&) {
                {
                    std::lock_guard<std::mutex> lock(s->mu);
                    s->job_queued = false;  // audio arriving from now on needs another job
                    s->transcribing = true;
                }
                struct done_mark {
                    dictation_session& s;
                    ~done_mark() {
                        std::lock_guard<std::mutex> lock(s.mu);
                        s.transcribing = false;
                    }
                } mark{*s};
                dictation_advance(*host, *s, false);
                return nlohmann::json::object();
            });
            // A full queue: the audio is kept and the next piece (or finish) looks at it.
            if (!j) {
                std::lock_guard<std::mutex> lock(s->mu);
                s->job_queued = false;
            }
        }
        reply_json(res, session_json(*s));
    });

    http.Get(R"(/api/dictation/(\d+))", [registry](const httplib::Request& req, httplib::Response& res) {
        reply_json(res, session_json(*session_find(*registry, req)));
    });

    // Queued behind the session's chunk jobs, so it sees every committed chunk.
    http.Post(R"(/api/dictation/(\d+)/finish)", [&ctx, host, registry](const httplib::Request& req, httplib::Response& res) {
        const std::shared_ptr<dictation_session> s = session_find(*registry, req);
        const std::string store_param = req.has_param("store") ? req.get_param_value("store") : "true";
        if (store_param != "true" && store_param != "false") throw api_error(400, "invalid_field", "store: must be true or false");
        const bool store = store_param == "true";
        {
            std::lock_guard<std::mutex> lock(s->mu);
            s->finishing = true;
        }
        auto j = job_queue_submit(ctx.queue, "dictation.finish", 0, [&ctx, host, s, store](job&) {
            dictation_advance(*host, *s, true);
            nlohmann::json out = session_json(*s);
            out["transcript"] = nullptr;
            const std::string text = out["text"];
            if (store && !text.empty())
                out["transcript"] = transcript_json(vault_transcript_add(vault_require(ctx), s->encounter_id, text, "dictation"));
            return out;
        });
        if (!j) {
            std::lock_guard<std::mutex> lock(s->mu);
            s->finishing = false;  // the client may retry
            throw_queue_full(ctx);
        }
        {
            std::lock_guard<std::mutex> lock(registry->mu);
            registry->sessions.erase(s->id);
        }
        reply_job_json(ctx, res, j, job_reply_body);
    });

    http.Delete(R"(/api/dictation/(\d+))", [registry](const httplib::Request& req, httplib::Response& res) {
        const std::shared_ptr<dictation_session> s = session_find(*registry, req);
        std::lock_guard<std::mutex> lock(registry->mu);
        registry->sessions.erase(s->id);
        reply_json(res, {{"deleted", true}, {"session", s->id}});
    });
}

}  // namespace clinote
