#!/usr/bin/env python3
"""Golden files for the Silero VAD (tests/golden/speech/vad_*).

The reference is the silero-vad package itself (pip install silero-vad==6.2.3, with torch):
its TorchScript model (the graph: context window, STFT, encoder, LSTM cell, decoder) with the
16 kHz weights replaced by those of silero_vad_16k.safetensors -- the file clinote loads and
the same wheel ships. The wheel's own .jit carries newer (v6) weights than its safetensors
file; loading the safetensors weights into the package's graph keeps the reference the
package's code while testing the weights users get.

Inputs: ../shared/audio/jfk.wav, and vad_pauses.flac made here: espeak-ng phrases separated
by silences of known lengths (16 kHz mono PCM16). Outputs (vad_golden.json): per 512-sample
frame speech probabilities, and get_speech_timestamps segments for several option sets.

Run: python3 tools/make_vad_golden.py
"""
import json
import os
import subprocess
import tempfile

import numpy as np
import soundfile as sf
import torch
from safetensors.numpy import load_file
from silero_vad import get_speech_timestamps, load_silero_vad

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SPEECH = os.path.join(ROOT, "tests", "golden", "speech")
SHARED = os.environ.get("CLINOTE_SHARED", os.path.join(os.path.dirname(ROOT), "shared"))
WEIGHTS = os.path.join(SHARED, "models", "silero-vad", "silero_vad_16k.safetensors")

# safetensors name -> name inside the package's TorchScript 16 kHz model (_model.*)
NAMES = {"stft_conv.weight": "stft.forward_basis_buffer",
         "final_conv.weight": "decoder.decoder.2.weight", "final_conv.bias": "decoder.decoder.2.bias"}
NAMES.update({f"conv{i + 1}.{p}": f"encoder.{i}.reparam_conv.{p}" for i in range(4) for p in ("weight", "bias")})
NAMES.update({f"lstm_cell.{p}": f"decoder.rnn.{p}" for p in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")})

# (text, silence after it in seconds): pauses below, near and above the default 100 ms
# min-silence, and long ones.
PHRASES = [("Chest pain since Monday.", 0.9),
           ("Worse on stairs.", 0.08),
           ("No fever,", 0.35),
           ("no cough.", 1.5),
           ("Pressure one forty over ninety.", 0.0)]
LEAD_IN = 0.4

OPTION_SETS = [
    {},
    {"threshold": 0.6, "min_speech_duration_ms": 500, "min_silence_duration_ms": 300, "speech_pad_ms": 100},
    {"threshold": 0.35, "min_silence_duration_ms": 50, "speech_pad_ms": 0},
    {"neg_threshold": 0.2, "min_silence_duration_ms": 200, "speech_pad_ms": 250},
    {"max_speech_duration_s": 1.5},
    {"max_speech_duration_s": 1.2, "use_max_poss_sil_at_max_speech": False, "min_silence_at_max_speech": 50},
]


def reference_model():
    model = load_silero_vad()
    state = model.state_dict()
    for name, value in load_file(WEIGHTS).items():
        key = "_model." + NAMES[name]
        assert state[key].shape == value.shape, name
        state[key] = torch.from_numpy(value.copy())
    model.load_state_dict(state)
    return model


def make_pauses(path):
    with tempfile.TemporaryDirectory() as tmp:
        pieces = [np.zeros(int(LEAD_IN * 16000), np.int16)]
        for i, (text, pause) in enumerate(PHRASES):
            raw, wav = os.path.join(tmp, f"{i}.wav"), os.path.join(tmp, f"{i}_16k.wav")
            subprocess.run(["espeak-ng", "-v", "en-us", "-s", "165", "-w", raw, text], check=True)
            subprocess.run(["sox", raw, "-r", "16000", "-b", "16", wav], check=True)
            speech, rate = sf.read(wav, dtype="int16")
            assert rate == 16000
            # espeak-ng pads each phrase with its own silence: trim it so the pause is ours.
            loud = np.nonzero(np.abs(speech) > 64)[0]
            pieces += [speech[loud[0]:loud[-1] + 1], np.zeros(int(pause * 16000), np.int16)]
        sf.write(path, np.concatenate(pieces), 16000, subtype="PCM_16")


def probabilities(model, audio):
    model.reset_states()
    out = []
    for start in range(0, len(audio), 512):
        chunk = torch.from_numpy(audio[start:start + 512].copy())
        if len(chunk) < 512:
            chunk = torch.nn.functional.pad(chunk, (0, 512 - len(chunk)))
        out.append(model(chunk, 16000).item())
    return out


def main():
    os.makedirs(SPEECH, exist_ok=True)
    make_pauses(os.path.join(SPEECH, "vad_pauses.flac"))
    model = reference_model()
    golden = {"option_sets": OPTION_SETS, "files": {}}
    for key, path in (("jfk", os.path.join(SHARED, "audio", "jfk.wav")),
                      ("pauses", os.path.join(SPEECH, "vad_pauses.flac"))):
        audio, rate = sf.read(path, dtype="float32")
        assert rate == 16000 and audio.ndim == 1
        entry = {"n_samples": len(audio), "probs": [float(np.float32(p)) for p in probabilities(model, audio)],
                 "segments": []}
        for options in OPTION_SETS:
            segments = get_speech_timestamps(torch.from_numpy(audio), model, sampling_rate=16000, **options)
            entry["segments"].append([[s["start"], s["end"]] for s in segments])
        golden["files"][key] = entry
    with open(os.path.join(SPEECH, "vad_golden.json"), "w") as f:
        json.dump(golden, f)
        f.write("\n")


if __name__ == "__main__":
    main()
