// Two-speaker clustering for mono recordings: the clustering on synthetic points with a
// known split, the fingerprint's known properties, labels from stretches on synthetic
// "voices" (harmonic tones of different timbre), and a known answer on real synthetic voices:
// espeak-ng's en-us+m3 (doctor) and en-gb+f3 (patient) taking turns in one mono recording
// (the voices of the espeak-ng test set; they differ in formants and accent, not in pitch).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "audio/audio_read.h"
#include "core/error.h"
#include "core/file.h"
#include "core/paths.h"
#include "speech/speaker_clusters.h"
#include "speech/speaker_embedding.h"
#include "speech/vad.h"
#include "speech/whisper_mel.h"

using namespace clinote;
namespace fs = std::filesystem;

namespace {

// 40 stretches of 50 frames each, in a fixed shuffled order, from two voices: Gaussians 3
// standard deviations apart in 3 of the 19 coefficients (the rest alike), one voice twice as
// varied in coefficient 10.
std::vector<voice_stats> two_voices(std::vector<int>& voice) {
    std::mt19937 rng(10);
    std::normal_distribution<double> noise(0.0, 1.0);
    std::vector<voice_stats> stretches;
    for (int i = 0; i < 40; ++i) {
        const int v = int(rng() % 2);
        voice_stats s;
        for (int f = 0; f < 50; ++f) {
            s.frames += 1.0;
            for (int k = 0; k < speaker_embedding_size; ++k) {
                const double x = noise(rng) * (k == 10 && v == 1 ? 2.0 : 1.0) + (k < 3 && v == 1 ? 3.0 : 0.0);
                s.sum[size_t(k)] += x;
                s.sum2[size_t(k)] += x * x;
            }
        }
        stretches.push_back(s);
        voice.push_back(v);
    }
    return stretches;
}

// A 150 Hz buzz with 20 harmonics whose amplitudes fall (dark) or rise (bright) with
// frequency, plus white noise 40 dB down (so no band sits on the spectrogram's floor), at the
// given level, for `seconds`.
void append_voice(std::vector<float>& out, bool bright, float level, double seconds) {
    std::mt19937 rng(7);
    std::uniform_real_distribution<double> noise(-0.01, 0.01);
    const int64_t n = int64_t(seconds * whisper_sample_rate);
    for (int64_t i = 0; i < n; ++i) {
        double x = 0.0;
        for (int h = 1; h <= 20; ++h) {
            const double a = bright ? double(h) / 20.0 : 1.0 / double(h);
            x += a * std::sin(2.0 * M_PI * 150.0 * h * double(i) / whisper_sample_rate);
        }
        out.push_back(level * float(x / 4.0 + noise(rng)));
    }
}

void append_silence(std::vector<float>& out, double seconds) {
    out.insert(out.end(), size_t(seconds * whisper_sample_rate), 0.0f);
}

whisper_segment span(double start, double end) {
    whisper_segment s;
    s.start = start;
    s.end = end;
    return s;
}

speech_segment samples_of(double start, double end) {
    return {int64_t(start * whisper_sample_rate), int64_t(end * whisper_sample_rate)};
}

std::vector<std::string> speakers_of(const std::vector<whisper_segment>& segments) {
    std::vector<std::string> out;
    for (const whisper_segment& s : segments) out.push_back(s.speaker);
    return out;
}

// Twelve turns of a visit spoken by espeak-ng, the doctor (even turns) with en-us+m3 and the
// patient with en-gb+f3, 0.6 s apart as tools/make_asr_testset.py leaves them, in one 16 kHz
// mono recording; segments: each turn's span.
void espeak_dialogue(std::vector<float>& mono, std::vector<whisper_segment>& segments) {
    const fs::path dir = fs::temp_directory_path() / ("clinote_speakers_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    const std::vector<std::string> turns = {
        "Good morning, what brings you in today?",
        "I have had a cough and a fever for three days.",
        "Any shortness of breath or chest pain?",
        "A little chest pain when I cough.",
        "Do you take any medicines?",
        "Only lisinopril for my blood pressure.",
        "Any allergies?",
        "No, none that I know of.",
        "I will listen to your lungs now.",
        "Okay, thank you, doctor.",
        "Your lungs sound clear, this looks like a viral infection.",
        "So no antibiotics then?",
    };
    const std::vector<float> gap(9600, 0.0f);
    for (size_t i = 0; i < turns.size(); ++i) {
        const std::string wav = (dir / ("turn" + std::to_string(i) + ".wav")).string();
        const char* voice = i % 2 == 0 ? "en-us+m3" : "en-gb+f3";
        ASSERT_EQ(std::system(("espeak-ng -v " + std::string(voice) + " -s 160 -w " + wav + " '" + turns[i] + "'").c_str()), 0);
        const std::vector<float> pcm = audio_read_mono_16k(wav);
        mono.insert(mono.end(), pcm.begin(), pcm.end());
        segments.push_back(span(double(mono.size() - pcm.size()) / whisper_sample_rate,
                                double(mono.size()) / whisper_sample_rate));
        mono.insert(mono.end(), gap.begin(), gap.end());
    }
    fs::remove_all(dir);
}

// 16 kHz mono 16-bit PCM WAV.
void write_wav(const std::string& path, const std::vector<float>& samples) {
    std::ofstream f(path, std::ios::binary);
    auto u32 = [&](uint32_t v) { f.write(reinterpret_cast<const char*>(&v), 4); };
    auto u16 = [&](uint16_t v) { f.write(reinterpret_cast<const char*>(&v), 2); };
    const uint32_t bytes = uint32_t(samples.size() * 2);
    f << "RIFF";
    u32(36 + bytes);
    f << "WAVEfmt ";
    u32(16), u16(1), u16(1), u32(whisper_sample_rate), u32(whisper_sample_rate * 2), u16(2), u16(16);
    f << "data";
    u32(bytes);
    for (float x : samples) u16(uint16_t(int16_t(std::lround(std::clamp(x, -1.0f, 1.0f) * 32767.0f))));
}

}  // namespace

TEST(SpeakerClusters, FindsAKnownSplit) {
    std::vector<int> voice;
    const std::vector<voice_stats> stretches = two_voices(voice);
    // The first stretch's group is 0 whatever its voice.
    std::vector<int> want;
    for (int v : voice) want.push_back(v == voice[0] ? 0 : 1);
    EXPECT_EQ(two_speaker_clusters(stretches), want);
}

TEST(SpeakerClusters, FewStretches) {
    std::vector<int> voice;
    const std::vector<voice_stats> stretches = two_voices(voice);
    EXPECT_TRUE(two_speaker_clusters({}).empty());
    EXPECT_EQ(two_speaker_clusters({stretches[0]}), (std::vector<int>{0}));
    EXPECT_EQ(two_speaker_clusters({stretches[1], stretches[0]}), (std::vector<int>{0, 1}));
}

TEST(SpeakerEmbedding, KnownProperties) {
    std::vector<float> audio;
    append_voice(audio, false, 0.5f, 1.0);   // frames [0, 100)
    append_silence(audio, 1.0);              // frames [100, 200)
    append_voice(audio, false, 0.05f, 1.0);  // frames [200, 300): the same voice 20 dB quieter
    const mel_spectrogram mel = speaker_embedding_mel(audio.data(), int64_t(audio.size()));
    // Nothing, or a stretch past the recording's end: no frames.
    EXPECT_EQ(speaker_embedding(mel, 50, 50).frames, 0.0);
    EXPECT_EQ(speaker_embedding(mel, 400, 500).frames, 0.0);
    EXPECT_EQ(speaker_embedding(mel, 10, 90).frames, 80.0);
    // Silence is the same in every band (the log floor): its cepstrum beyond c0 is zero.
    for (double c : voice_stats_mean(speaker_embedding(mel, 120, 180))) EXPECT_NEAR(c, 0.0, 1e-5);
    // Pauses far below the loudest frame are left out: silence + voice = the voice alone
    // (both stretches start at the same onset frames, 200 ± 3).
    const voice_stats quiet_onset = speaker_embedding(mel, 195, 290);
    const voice_stats after_pause = speaker_embedding(mel, 120, 290);
    EXPECT_EQ(after_pause.frames, quiet_onset.frames);
    for (int k = 0; k < speaker_embedding_size; ++k) {
        EXPECT_NEAR(after_pause.sum[size_t(k)], quiet_onset.sum[size_t(k)], 1e-6) << k;
        EXPECT_NEAR(after_pause.sum2[size_t(k)], quiet_onset.sum2[size_t(k)], 1e-6) << k;
    }
    // Pooling: counts and sums add up.
    const voice_stats a = speaker_embedding(mel, 10, 50), b = speaker_embedding(mel, 50, 90);
    const voice_stats ab = voice_stats_add(a, b), whole = speaker_embedding(mel, 10, 90);
    EXPECT_EQ(ab.frames, whole.frames);
    for (int k = 0; k < speaker_embedding_size; ++k) EXPECT_NEAR(ab.sum[size_t(k)], whole.sum[size_t(k)], 1e-6) << k;
    // Loudness is c0, left out: the copy 20 dB quieter has the same mean cepstrum, and a
    // voice of another timbre does not.
    std::vector<float> bright_audio;
    append_voice(bright_audio, true, 0.5f, 1.0);
    const auto bright =
        voice_stats_mean(speaker_embedding(speaker_embedding_mel(bright_audio.data(), int64_t(bright_audio.size())), 10, 90));
    const auto voice = voice_stats_mean(whole), quiet = voice_stats_mean(speaker_embedding(mel, 210, 290));
    auto distance = [](const auto& x, const auto& y) {
        double d2 = 0.0;
        for (size_t k = 0; k < x.size(); ++k) d2 += (x[k] - y[k]) * (x[k] - y[k]);
        return std::sqrt(d2);
    };
    EXPECT_LT(distance(quiet, voice), 1e-3);
    EXPECT_GT(distance(bright, voice), 0.5);
}

TEST(SpeakerClusters, SegmentsGetTheGroupThatSpeaksMostOfThem) {
    // Stretches: bright [0, 1), dark [1.5, 2.5), bright [3, 4), dark [4.5, 5.5), dark at half
    // the level [6, 7).
    std::vector<float> audio;
    append_voice(audio, true, 0.5f, 1.0);
    append_silence(audio, 0.5);
    append_voice(audio, false, 0.5f, 1.0);
    append_silence(audio, 0.5);
    append_voice(audio, true, 0.5f, 1.0);
    append_silence(audio, 0.5);
    append_voice(audio, false, 0.5f, 1.0);
    append_silence(audio, 0.5);
    append_voice(audio, false, 0.25f, 1.0);
    const std::vector<speech_segment> units = {samples_of(0, 1),     samples_of(1.5, 2.5), samples_of(3, 4),
                                               samples_of(4.5, 5.5), samples_of(6, 7)};
    std::vector<whisper_segment> segments = {
        span(0.0, 1.2),   // bright only
        span(0.8, 2.5),   // 0.2 s bright, 1 s dark
        span(2.9, 4.4),   // bright
        span(3.8, 7.0),   // 0.2 s bright, 2 s dark
        span(7.2, 8.0),   // past every stretch: the nearest ([6, 7), dark)
        span(1.1, 1.45),  // in a pause: the nearest stretch is [1.5, 2.5) (0.05 s away), dark
    };
    speaker_labels_cluster(audio.data(), int64_t(audio.size()), units, segments, {"Doctor", "Patient"});
    EXPECT_EQ(speakers_of(segments),
              (std::vector<std::string>{"Doctor", "Patient", "Doctor", "Patient", "Patient", "Patient"}));
    // Without stretches each segment is its own; past the names given: "Speaker N".
    std::vector<whisper_segment> own = {span(1.5, 2.5), span(0, 1), span(4.5, 5.5)};
    speaker_labels_cluster(audio.data(), int64_t(audio.size()), {}, own, {"Doctor"});
    EXPECT_EQ(speakers_of(own), (std::vector<std::string>{"Doctor", "Speaker 2", "Doctor"}));
}

TEST(SpeakerClusters, EspeakVoicesTakingTurns) {
    if (std::system("command -v espeak-ng >/dev/null 2>&1") != 0)
        GTEST_SKIP() << "espeak-ng is absent (scripts/setup.d/asr.sh installs it)";
    std::vector<float> mono;
    std::vector<whisper_segment> segments;
    ASSERT_NO_FATAL_FAILURE(espeak_dialogue(mono, segments));
    auto correct = [&](const std::vector<whisper_segment>& labelled) {
        int right = 0;
        for (size_t i = 0; i < labelled.size(); ++i) right += labelled[i].speaker == (i % 2 == 0 ? "Doctor" : "Patient");
        return right;
    };
    // Each turn as its own stretch (as a transcript's segments without the VAD).
    std::vector<whisper_segment> by_turn = segments;
    speaker_labels_cluster(mono.data(), int64_t(mono.size()), {}, by_turn, {"Doctor", "Patient"});
    // Measured: 11 of 12 both ways (chance: 6; 10 or more by chance: p < 0.02).
    std::printf("turns as stretches: %d of 12 right\n", correct(by_turn));
    EXPECT_GE(correct(by_turn), 10) << "of 12";
    // The VAD's speech stretches, as `--speakers` on a mono file.
    std::string vad_path;
    try {
        vad_path = vad_default_model_path();
    } catch (const error&) {
        GTEST_SKIP() << "no Silero VAD weights (scripts/setup.sh fetches them)";
    }
    const vad_model vad = vad_load(vad_path);
    const std::vector<speech_segment> units = speaker_stretches(vad, mono.data(), int64_t(mono.size()));
    EXPECT_GE(units.size(), segments.size());
    std::vector<whisper_segment> by_vad = segments;
    speaker_labels_cluster(mono.data(), int64_t(mono.size()), units, by_vad, {"Doctor", "Patient"});
    std::printf("%zu VAD stretches: %d of 12 turns right\n", units.size(), correct(by_vad));
    EXPECT_GE(correct(by_vad), 10) << "of 12";
}

TEST(SpeakerClusters, TranscribeMonoWithSpeakersSlow) {
    const fs::path clinote = fs::read_symlink("/proc/self/exe").parent_path().parent_path() / "clinote";
    if (!fs::exists(clinote)) GTEST_SKIP() << "the clinote binary is not built beside the tests";
    if (!fs::exists(source_dir() + "/models/whisper-base/model.bin"))
        GTEST_SKIP() << "models/whisper-base is absent (run scripts/setup.sh)";
    if (std::system("command -v espeak-ng >/dev/null 2>&1") != 0)
        GTEST_SKIP() << "espeak-ng is absent (scripts/setup.d/asr.sh installs it)";
    std::vector<float> mono;
    std::vector<whisper_segment> turns;
    ASSERT_NO_FATAL_FAILURE(espeak_dialogue(mono, turns));
    const fs::path wav = fs::temp_directory_path() / ("clinote_speakers_" + std::to_string(::getpid()) + ".wav");
    const fs::path json = fs::path(wav).replace_extension(".json");
    write_wav(wav.string(), mono);
    ASSERT_EQ(std::system((clinote.string() + " transcribe " + wav.string() +
                           " --speakers Doctor,Patient --json --beam 1 --threads 2 >" + json.string() + " 2>/dev/null")
                              .c_str()),
              0);
    const nlohmann::json t = nlohmann::json::parse(file_read(json.string()));
    fs::remove(wav);
    fs::remove(json);
    // Each Whisper segment's true speaker: the turn it overlaps most.
    int right = 0, total = 0;
    for (const auto& seg : t["segments"]) {
        const double start = seg["start"], end = seg["end"];
        size_t best = 0;
        double most = -1.0;
        for (size_t i = 0; i < turns.size(); ++i) {
            const double o = std::min(end, turns[i].end) - std::max(start, turns[i].start);
            if (o > most) most = o, best = i;
        }
        ASSERT_TRUE(seg.contains("speaker")) << seg.dump();
        right += seg["speaker"] == (best % 2 == 0 ? "Doctor" : "Patient");
        ++total;
        std::printf("%5.2f-%5.2f %-8s %s\n", start, end, seg["speaker"].get<std::string>().c_str(),
                    seg["text"].get<std::string>().c_str());
    }
    ASSERT_GE(total, 6);
    EXPECT_GE(right, total * 8 / 10) << "of " << total;
}
