#!/usr/bin/env python3
"""Golden files for the audio reader (tests/golden/audio/) and the Whisper log-mel
spectrogram (tests/golden/speech/mel_*).

Audio: small recordings in every format the reader supports, each with the 16 kHz mono
signal an independent pipeline gets from it: soundfile (its own bundled libsndfile /
mpg123) to decode, channel mean, then soxr at 'VHQ' quality to resample. Tones have known
frequencies and amplitudes, listed in audio_manifest.json.

Mel: transformers' WhisperFeatureExtractor (the reference for OpenAI's
log_mel_spectrogram: slaney mel filters, n_fft 400, hop 160, periodic Hann window,
log10 clamped to max-8, (x+4)/4, 30 s of padding) on the first second of speech of
tests/golden/speech/mel_input.wav, for 80 and 128 mel bins.

Needs: numpy, soundfile, soxr, transformers; sox, lame and espeak-ng (Debian) to make the
inputs. Run from anywhere: python3 tools/make_audio_golden.py
"""
import json
import os
import subprocess
import tempfile

import numpy as np
import soundfile as sf
import soxr

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
AUDIO = os.path.join(ROOT, "tests", "golden", "audio")
SPEECH = os.path.join(ROOT, "tests", "golden", "speech")
SHARED = os.environ.get("CLINOTE_SHARED", os.path.join(os.path.dirname(ROOT), "shared"))

DURATION = 0.3  # seconds: enough for 4 Hz frequency resolution at 16 kHz, small files


def tone(rate, parts, duration=DURATION):
    """One channel: the sum of sines (frequency, amplitude)."""
    t = np.arange(int(round(rate * duration))) / rate
    return sum(a * np.sin(2 * np.pi * f * t) for f, a in parts)


def reference_16k(path):
    data, rate = sf.read(path, dtype="float32", always_2d=True)
    mono = data.mean(axis=1, dtype=np.float64)
    out = mono if rate == 16000 else soxr.resample(mono, rate, 16000, quality="VHQ")
    return out.astype("<f4"), rate, data.shape[1], data.shape[0]


def make_audio():
    os.makedirs(AUDIO, exist_ok=True)
    manifest = {}

    # Stereo tones: each channel one frequency, so the mono mix halves both amplitudes.
    stereo_tones = [[(440.0, 0.5)], [(1000.0, 0.3)]]
    st = np.stack([tone(44100, ch) for ch in stereo_tones], axis=1)
    sf.write(os.path.join(AUDIO, "tone_44100_stereo.wav"), st, 44100, subtype="PCM_16")
    sf.write(os.path.join(AUDIO, "tone_44100_stereo.flac"), st, 44100, subtype="PCM_16")
    mixed = [[440.0, 0.25], [1000.0, 0.15]]
    manifest["tone_44100_stereo.wav"] = {"tones": mixed}
    manifest["tone_44100_stereo.flac"] = {"tones": mixed}

    sf.write(os.path.join(AUDIO, "tone_8000_mono.wav"), tone(8000, [(300.0, 0.4), (2500.0, 0.2)]), 8000,
             subtype="PCM_16")
    manifest["tone_8000_mono.wav"] = {"tones": [[300.0, 0.4], [2500.0, 0.2]]}

    # MP3 through lame at 320 kbit/s (at 128 kbit/s lame lowers a pure tone by 5%); lame
    # writes the LAME tag, so a gapless decoder removes its encoder delay and padding and
    # the tone stays where it was.
    with tempfile.TemporaryDirectory() as tmp:
        wav = os.path.join(tmp, "t.wav")
        sf.write(wav, tone(48000, [(700.0, 0.5)], duration=0.5), 48000, subtype="PCM_16")
        subprocess.run(["lame", "--quiet", "-b", "320", wav, os.path.join(AUDIO, "tone_48000_mono.mp3")], check=True)
        manifest["tone_48000_mono.mp3"] = {"tones": [[700.0, 0.5]]}

        # Speech (broadband) in Ogg Vorbis at espeak-ng's own 22050 Hz, low-passed at 7 kHz:
        # between 7 and 8 kHz two good resamplers' filters legitimately differ (libsamplerate
        # passes 97% of the band, soxr VHQ less), which is not what this test is about.
        raw = os.path.join(tmp, "s.wav")
        subprocess.run(["espeak-ng", "-v", "en-us", "-s", "170", "-w", raw, "chest pain"], check=True)
        subprocess.run(["sox", raw, "-C", "3", os.path.join(AUDIO, "speech_22050_mono.ogg"), "sinc", "-7000"],
                       check=True)
        manifest["speech_22050_mono.ogg"] = {"tones": []}

    for name in sorted(manifest):
        ref, rate, channels, frames = reference_16k(os.path.join(AUDIO, name))
        ref.tofile(os.path.join(AUDIO, name + ".16k.f32"))
        manifest[name].update({"sample_rate": rate, "channels": channels, "frames": frames,
                               "reference": name + ".16k.f32"})
    with open(os.path.join(AUDIO, "audio_manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")


def make_mel():
    from transformers import WhisperFeatureExtractor

    os.makedirs(SPEECH, exist_ok=True)
    jfk, rate = sf.read(os.path.join(SHARED, "audio", "jfk.wav"), dtype="int16")
    assert rate == 16000
    clip = jfk[int(0.3 * rate):int(1.3 * rate)]  # "And so my": speech from the first frame
    sf.write(os.path.join(SPEECH, "mel_input.wav"), clip, rate, subtype="PCM_16")
    samples = clip.astype(np.float32) / 32768.0
    golden = {"n_samples": int(len(samples))}
    for n_mels in (80, 128):
        fe = WhisperFeatureExtractor(feature_size=n_mels)
        mel = fe(samples, sampling_rate=16000, return_tensors="np").input_features[0]  # [n_mels, 3000]
        # The clip covers frames 0..100; every later frame sees only padding and holds
        # the clamp floor (max - 8 + 4) / 4. Keep the clip's frames and the floor.
        keep = len(samples) // 160 + 3
        assert np.allclose(mel[:, keep:], mel[:, -1:].min(), atol=0)
        mel[:, :keep].astype("<f4").tofile(os.path.join(SPEECH, f"mel_{n_mels}.f32"))
        golden[str(n_mels)] = {"frames_kept": keep, "n_frames_30s": int(mel.shape[1]),
                               "floor": float(mel[:, keep:].min()), "file": f"mel_{n_mels}.f32"}
    with open(os.path.join(SPEECH, "mel_golden.json"), "w") as f:
        json.dump(golden, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    make_audio()
    make_mel()
