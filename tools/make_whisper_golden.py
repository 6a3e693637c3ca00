#!/usr/bin/env python3
"""Golden files for the Whisper encoder-decoder (tests/speech/whisper_*_test.cpp).

Builds a tiny random-weight WhisperForConditionalGeneration with transformers (d_model 32,
2 + 2 layers, 50 audio positions = 1 s of audio), with a tiny byte-level BPE tokenizer that
carries Whisper's special tokens (languages, tasks, <|notimestamps|>, timestamps), saves it
as a Hugging Face directory (weights in F16, as the real checkpoints) and records with
PyTorch (weights upcast to F32):
  - input_features: the log-mel of a synthetic 1 s signal (WhisperFeatureExtractor),
  - encoder_out: the encoder's last hidden state,
  - logits: the decoder's logits at every position of a fixed token sequence,
  - greedy tokens of transformers' WhisperForConditionalGeneration.generate (its own
    suppress-token, begin-suppress and timestamp logits processors), with and without
    timestamps.
Needs torch, transformers, tokenizers, numpy (not in CI: the outputs are committed).
Run from the repository root: python3 tools/make_whisper_golden.py
"""
import json
import os

import numpy as np
import torch
from safetensors.torch import save_file
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import WhisperConfig, WhisperFeatureExtractor, WhisperForConditionalGeneration

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "golden", "whisper")
TINY = os.path.join(OUT, "tiny")
N_AUDIO_CTX = 50       # 1 s: 100 mel frames, halved by the second convolution
N_TIMESTAMPS = 51      # <|0.00|> .. <|1.00|>
LANGUAGES = ["en", "de", "fr"]


def make_tokenizer():
    text = ("the patient reports chest pain for two days, no fever. blood pressure is one hundred and "
            "twenty over eighty. ask not what your country can do for you. metformin five hundred milligrams ") * 4
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=300, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  show_progress=False)
    tok.train_from_iterator([text], trainer)
    specials = (["<|endoftext|>", "<|startoftranscript|>"] + [f"<|{c}|>" for c in LANGUAGES] +
                ["<|translate|>", "<|transcribe|>", "<|startoflm|>", "<|startofprev|>", "<|nospeech|>",
                 "<|notimestamps|>"])
    tok.add_special_tokens(specials)
    tok.add_tokens([f"<|{i * 0.02:.2f}|>" for i in range(N_TIMESTAMPS)])
    return tok


def randomise(model, seed):
    """Default init leaves norms at 1 and biases at 0, which would hide their bugs."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "embed_positions" in name and "encoder" in name:
                continue  # the sinusoidal table, as Whisper's
            p.copy_(torch.randn(p.shape, generator=g) * (0.5 if p.dim() == 1 else 0.2))
            if "layer_norm" in name and name.endswith("weight"):
                p.add_(1.0)


def main():
    os.makedirs(TINY, exist_ok=True)
    tok = make_tokenizer()
    tok.save(os.path.join(TINY, "tokenizer.json"))
    ids = {t: tok.token_to_id(t) for t in ["<|endoftext|>", "<|startoftranscript|>", "<|en|>", "<|transcribe|>",
                                           "<|translate|>", "<|notimestamps|>", "<|0.00|>", "<|nospeech|>",
                                           "<|startofprev|>", "<|startoflm|>"]}
    vocab = tok.get_vocab_size()
    config = WhisperConfig(vocab_size=vocab, num_mel_bins=80, d_model=32, encoder_layers=2, decoder_layers=2,
                           encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=64,
                           decoder_ffn_dim=64, max_source_positions=N_AUDIO_CTX, max_target_positions=48,
                           decoder_start_token_id=ids["<|startoftranscript|>"], eos_token_id=ids["<|endoftext|>"],
                           pad_token_id=ids["<|endoftext|>"], bos_token_id=ids["<|endoftext|>"])
    torch.manual_seed(0)
    model = WhisperForConditionalGeneration(config).eval()
    randomise(model, 1)
    model.half().save_pretrained(TINY, safe_serialization=True)
    model.float()

    # Suppressed sets of the tiny vocabulary: a few text tokens and the task tokens, as the
    # real generation_config.json lists them; begin-suppress: " " and <|endoftext|>.
    space = tok.encode(" ").ids
    suppress = sorted({5, 17, 40, ids["<|translate|>"], ids["<|transcribe|>"], ids["<|startoftranscript|>"],
                       ids["<|startofprev|>"], ids["<|startoflm|>"], ids["<|nospeech|>"]})
    gen = {"suppress_tokens": suppress, "begin_suppress_tokens": space + [ids["<|endoftext|>"]],
           "decoder_start_token_id": ids["<|startoftranscript|>"], "eos_token_id": ids["<|endoftext|>"],
           "pad_token_id": ids["<|endoftext|>"], "no_timestamps_token_id": ids["<|notimestamps|>"],
           "is_multilingual": True, "lang_to_id": {f"<|{c}|>": tok.token_to_id(f"<|{c}|>") for c in LANGUAGES},
           "task_to_id": {"transcribe": ids["<|transcribe|>"], "translate": ids["<|translate|>"]},
           "max_initial_timestamp_index": 50, "max_length": 48}
    with open(os.path.join(TINY, "generation_config.json"), "w") as f:
        json.dump(gen, f, indent=1)

    fe = WhisperFeatureExtractor(feature_size=80, chunk_length=1)
    t = np.arange(16000) / 16000.0
    signal = (0.3 * np.sin(2 * np.pi * (200 + 600 * t) * t) * (0.5 + 0.5 * np.sin(2 * np.pi * 3 * t))
              + 0.01 * np.random.default_rng(0).standard_normal(16000)).astype(np.float32)
    features = fe(signal, sampling_rate=16000, return_tensors="pt").input_features  # [1, 80, 100]

    prefix = [ids["<|startoftranscript|>"], ids["<|en|>"], ids["<|transcribe|>"]]
    seq = prefix + [ids["<|notimestamps|>"], 100, 200, 37, 290, 64, ids["<|0.00|>"] + 3, 7]
    with torch.no_grad():
        enc = model.model.encoder(features).last_hidden_state
        logits = model(input_features=features, decoder_input_ids=torch.tensor([seq])).logits[0]

        from transformers import GenerationConfig
        gc = GenerationConfig(**gen)
        model.generation_config = gc
        greedy = model.generate(features, language="en", task="transcribe", return_timestamps=False,
                                max_new_tokens=20, do_sample=False, num_beams=1)
        greedy_ts = model.generate(features, language="en", task="transcribe", return_timestamps=True,
                                   max_new_tokens=20, do_sample=False, num_beams=1)
    save_file({"input_features": features[0].contiguous(), "encoder_out": enc[0].contiguous(),
               "logits": logits.contiguous()}, os.path.join(OUT, "tensors.safetensors"))

    def as_list(x):
        return [int(v) for v in (x.sequences if hasattr(x, "sequences") else x)[0]]

    meta = {"decoder_input_ids": seq, "prefix": prefix, "max_new_tokens": 20,
            "greedy": as_list(greedy), "greedy_timestamps": as_list(greedy_ts)}
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(meta, f, indent=1)
    print(json.dumps(meta))


if __name__ == "__main__":
    main()
