#include "cli/speech_options.h"

#include <omp.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "audio/audio_read.h"
#include "cli/model_options.h"
#include "core/paths.h"
#include "speech/whisper_mel.h"

namespace clinote {

std::string default_whisper_path() { return models_dir() + "/whisper-base"; }

void add_speech_flags(CLI::App* cmd, speech_options& opt) {
    opt.model_path = default_whisper_path();
    cmd->add_option("--whisper", opt.model_path,
                    "Whisper model directory: CTranslate2 (model.bin, as scripts/setup.sh installs Whisper base) or "
                    "Hugging Face (config.json, model.safetensors, tokenizer.json), or the name of one `clinote models "
                    "pull` installed (whisper-base)")
        ->capture_default_str()
        ->transform(model_name_or_path());
    cmd->add_option("--language", opt.language, "Spoken language code (en, de, fr, ...); auto: detect it")
        ->capture_default_str();
    cmd->add_flag("--translate", opt.translate, "Translate the speech to English instead of transcribing it");
    cmd->add_flag("--timestamps,!--no-timestamps", opt.timestamps,
                  "Decode with timestamp tokens and print each segment's start and end (default); "
                  "--no-timestamps: one plain text per 30 s window");
    cmd->add_option("--beam", opt.beam, "Beam width at temperature 0; 1: greedy")
        ->capture_default_str()
        ->check(CLI::Range(1, 16));
    cmd->add_option("--prompt", opt.prompt,
                    "Initial prompt: text the model takes as what came before (e.g. medical terms and drug names "
                    "it should spell this way)");
    cmd->add_flag("--fallback,!--no-fallback", opt.fallback,
                  "Decode again at temperatures 0.2 .. 1.0 when the text is repetitive (compression ratio > 2.4) or "
                  "unlikely (mean log-probability < -1), as openai-whisper does (default on)");
    cmd->add_flag("--vad,!--no-vad", opt.vad,
                  "Cut recordings longer than 30 s into ~20 s pieces at silences found by Silero VAD (default on, "
                  "when models/silero-vad exists); --no-vad: openai-whisper's sliding 30 s windows");
    cmd->add_option("-t,--threads", opt.threads, "CPU threads; 0: all cores")->check(CLI::NonNegativeNumber);
    cmd->add_option("--speakers", opt.speakers,
                    "Label each segment with a speaker, e.g. --speakers Doctor,Patient. Stereo (one microphone per "
                    "person): the louder channel's name, in channel order (left, right). Mono: the stretches of speech "
                    "between the VAD's pauses (0.3 s or longer) are put in two groups by their voices (bottom-up "
                    "clustering of their mel-cepstrum statistics) once the whole recording is transcribed, and each "
                    "segment gets the group that speaks most of it; the group of whoever speaks first gets the first "
                    "name. Assumes two voices that sound different; off unless given")
        ->delimiter(',');
}

speech_engine speech_engine_load_for_cli(const speech_options& opt) {
    if (opt.threads > 0) omp_set_num_threads(opt.threads);
    speech_engine e = speech_engine_load(opt.model_path, opt.vad);
    std::fprintf(stderr, "clinote: loaded Whisper from %s (%d + %d layers, d_model %d)\n", opt.model_path.c_str(),
                 e.whisper->config.n_audio_layer, e.whisper->config.n_text_layer, e.whisper->config.d_model);
    if (opt.vad && !e.vad)
        std::fprintf(stderr, "clinote: no Silero VAD weights: 30 s sliding windows instead of VAD chunks\n");
    return e;
}

whisper_transcribe_options speech_transcribe_options(const speech_options& opt) {
    whisper_transcribe_options o;
    o.decoding.language = opt.language == "auto" ? "" : opt.language;
    o.decoding.translate = opt.translate;
    o.decoding.timestamps = opt.timestamps;
    o.decoding.beam_size = opt.beam;
    o.initial_prompt = opt.prompt;
    if (!opt.fallback) o.temperatures = {0.0f};
    return o;
}

whisper_transcript speech_transcribe_file(const std::string& audio_path, const speech_options& opt,
                                          const whisper_segment_callback& on_segments) {
    const audio_pcm pcm = audio_decode(audio_path);
    const std::vector<float> audio =
        audio_to_mono_16k(pcm.samples.data(), pcm.frames(), pcm.channels, pcm.sample_rate, audio_path);
    const auto t_load = std::chrono::steady_clock::now();
    const speech_engine e = speech_engine_load_for_cli(opt);
    const auto t0 = std::chrono::steady_clock::now();
    whisper_transcript t =
        speech_transcribe_speakers(e, pcm, audio, speech_transcribe_options(opt), opt.speakers, on_segments);
    const double duration = double(audio.size()) / whisper_sample_rate;
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::fprintf(stderr, "clinote: %.1f s of audio in %.1f s (real-time factor %.2f; model load %.2f s)\n", duration,
                 secs, secs / std::max(duration, 1e-9),
                 std::chrono::duration<double>(t0 - t_load).count());
    return t;
}

}  // namespace clinote
