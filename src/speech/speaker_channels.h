// Speaker labels from a recording's channels: a stereo recording with one microphone per
// person (the clinician on one channel, the patient on the other) says who spoke each segment
// by where its energy is. No diarisation model: mono recordings get no labels.
#pragma once
#include <string>
#include <vector>

#include "audio/audio_read.h"
#include "speech/whisper_transcribe.h"

namespace clinote {

// For each segment, the channel with the most energy between its start and end (seconds
// from the recording's start), or -1 when the recording has one channel or the span is
// silent or outside it.
std::vector<int> speaker_channels(const audio_pcm& pcm, const std::vector<whisper_segment>& segments);

// Sets each segment's speaker to names[channel] ("Speaker N" past the names given).
void speaker_labels_apply(const audio_pcm& pcm, std::vector<whisper_segment>& segments,
                          const std::vector<std::string>& names);

}  // namespace clinote
