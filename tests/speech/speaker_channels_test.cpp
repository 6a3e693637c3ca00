// Channel-based speaker labels on hand-made stereo recordings with known answers.
#include <gtest/gtest.h>

#include <cmath>

#include "speech/speaker_channels.h"

using namespace clinote;

namespace {

whisper_segment span(double start, double end) {
    whisper_segment s;
    s.start = start;
    s.end = end;
    return s;
}

// 3 s at 8 kHz: a tone on the left in [0, 1) s, on the right in [1, 2) s (with the left's
// quieter crosstalk), silence in [2, 3) s.
audio_pcm two_speakers() {
    audio_pcm pcm;
    pcm.sample_rate = 8000;
    pcm.channels = 2;
    for (int f = 0; f < 3 * 8000; ++f) {
        const float tone = float(std::sin(2.0 * M_PI * 440.0 * f / 8000.0));
        const bool left = f < 8000, right = f >= 8000 && f < 16000;
        pcm.samples.push_back(left ? 0.5f * tone : right ? 0.1f * tone : 0.0f);
        pcm.samples.push_back(right ? 0.5f * tone : 0.0f);
    }
    return pcm;
}

}  // namespace

TEST(SpeakerChannels, TheLouderChannelSpeaks) {
    const audio_pcm pcm = two_speakers();
    const std::vector<int> got =
        speaker_channels(pcm, {span(0.0, 1.0), span(1.0, 2.0), span(0.2, 0.7), span(0.5, 1.9), span(2.1, 2.9), span(5, 6)});
    // [0.5, 1.9]: 0.5 s of the left against 0.9 s of the right → right.
    EXPECT_EQ(got, (std::vector<int>{0, 1, 0, 1, -1, -1}));
}

TEST(SpeakerChannels, MonoHasNoLabels) {
    audio_pcm pcm;
    pcm.sample_rate = 16000;
    pcm.channels = 1;
    pcm.samples.assign(16000, 0.3f);
    EXPECT_EQ(speaker_channels(pcm, {span(0, 1)}), (std::vector<int>{-1}));
}

TEST(SpeakerChannels, NamesByChannel) {
    const audio_pcm pcm = two_speakers();
    std::vector<whisper_segment> segs = {span(0.0, 1.0), span(1.0, 2.0), span(2.2, 2.8)};
    segs[0].text = " How are you?";
    speaker_labels_apply(pcm, segs, {"Doctor", "Patient"});
    EXPECT_EQ(segs[0].speaker, "Doctor");
    EXPECT_EQ(segs[1].speaker, "Patient");
    EXPECT_EQ(segs[2].speaker, "");
    EXPECT_EQ(whisper_segment_line(segs[0]), "Doctor: How are you?");
    EXPECT_EQ(whisper_segment_line(segs[2]), "");
    speaker_labels_apply(pcm, segs, {"Doctor"});
    EXPECT_EQ(segs[1].speaker, "Speaker 2");
}
