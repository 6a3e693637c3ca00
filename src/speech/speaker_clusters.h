// Two speakers on a mono recording: stretches of speech (the VAD's speech segments, each
// taken as one voice) grouped in two by their voices, and each Whisper segment labelled with
// the group that speaks most of its time. The grouping is the classic bottom-up clustering
// of speaker diarisation, kept simple: each stretch is a Gaussian with a diagonal covariance
// over its mel-cepstrum frames (speaker_embedding), and the two groups whose merging loses
// the least likelihood (the generalised likelihood ratio, GLR) are merged until two remain.
// No model, no training, deterministic. It assumes exactly two voices that differ in timbre;
// a Whisper segment that holds both speakers gets one label, a stretch without a pause
// between speakers is one voice, and a few short stretches of unusual sound can end up as a
// group of their own.
#pragma once
#include <string>
#include <vector>

#include "speech/speaker_embedding.h"
#include "speech/vad.h"
#include "speech/whisper_transcribe.h"

namespace clinote {

// One stretch's statistics each. Returns 0 or 1 per stretch; the first stretch's group is 0.
// Fewer than two stretches: all 0. Time and memory grow with the square of the count
// (a cost matrix) and the cube (the merges): about a second for a thousand stretches.
std::vector<int> two_speaker_clusters(const std::vector<voice_stats>& stretches);

// The stretches taken as one voice each: the VAD's speech segments, a pause shorter than
// 0.3 s counted as inside a turn (silero's default, 0.1 s, cuts turns at every comma and
// leaves stretches too short to describe a voice). 0.3 s was chosen on the espeak-ng test
// set, whose turns are 0.6 s apart (docs/benchmarks.md §3); people in a real conversation
// often answer faster, and a turn change without a 0.3 s pause stays inside one stretch.
std::vector<speech_segment> speaker_stretches(const vad_model& vad, const float* samples, int64_t n);

// Sets each segment's speaker. samples: the 16 kHz mono recording; units: its stretches of
// one voice each, in time order (speaker_stretches); empty: the segments themselves. The
// group of whoever speaks first is names[0] (e.g. "Doctor", who usually opens the visit),
// the other names[1] ("Speaker N" past the names given). A segment that overlaps no unit
// gets the nearest unit's group.
void speaker_labels_cluster(const float* samples, int64_t n, const std::vector<speech_segment>& units,
                            std::vector<whisper_segment>& segments, const std::vector<std::string>& names);

}  // namespace clinote
