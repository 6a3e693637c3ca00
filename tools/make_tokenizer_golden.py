#!/usr/bin/env python3
"""Golden files for tests/tokenizer: encodes and decodes by Hugging Face `tokenizers` (and, for
the GGUF SentencePiece vocabulary, by `sentencepiece` itself).

Tokenizers covered:
  smollm2  the default model's vocabulary/merges from its GGUF, with SmolLM2's real tokenizer.json
           configuration (Digits(individual) + ByteLevel). The tokenizer itself is not committed
           (derived from the model); only the ids are.
  llama3, qwen2, llama2, gemma
           small BPE models (about 1,500 tokens) trained here on MTS-Dialog / ACI-Bench train text,
           wrapped in each family's exact normalizer / pre-tokenizer / decoder / post-processor
           and special tokens; their tokenizer.json + tokenizer_config.json are committed.
  stories260k
           /work/shared/models/stories260k/stories260K.gguf ("llama" vocabulary with scores, no
           merges): reference = the `sentencepiece` library running a ModelProto built from the
           GGUF's pieces, scores and types (BPE, byte_fallback, identity normalizer with dummy
           prefix), special tokens split out first as llama.cpp does; decode = HF's Llama
           decoder chain (Replace, ByteFallback, Fuse, Strip) via `tokenizers.decoders`.

Corpus: tests/golden/tokenizer/corpus.json (edge cases, committed) + the 100 dialogues of
shared/data/mts-dialog/valid.csv (read at test time, never copied: the golden files keep the
full ids of the first 4 and a count + FNV-1a hash of the ids and decodes of all 100).

Usage: python3 tools/make_tokenizer_golden.py   (needs tokenizers, sentencepiece, gguf)
"""
import csv
import json
import os
import random
import struct
import sys

import gguf
import sentencepiece as spm
from sentencepiece import sentencepiece_model_pb2 as sp_pb2
from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.environ.get("CLINOTE_SHARED", os.path.join(os.path.dirname(ROOT), "shared"))
OUT = os.path.join(ROOT, "tests", "golden", "tokenizer")
SMOLLM2_GGUF = os.path.join(ROOT, "models", "SmolLM2-135M-Instruct.Q4_1.gguf")
STORIES_GGUF = os.path.join(SHARED, "models", "stories260k", "stories260K.gguf")
FULL_DIALOGUES = 4
SPACE = "\u2581"

LLAMA3_REGEX = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"
                r"|\s*[\r\n]+|\s+(?!\S)|\s+")
QWEN2_REGEX = LLAMA3_REGEX.replace(r"\p{N}{1,3}", r"\p{N}")

# Edge cases shared by every tokenizer; {S0}..{S2} become that tokenizer's special tokens.
EDGE_CASES = [
    "", " ", "  ", "\t", "\n", "\n\n", "\r\n", " \n ", "a", "Hello world", " Hello world", "Hello  world  ",
    "Hello\tworld\n\nfoo\r\nbar", "   leading and trailing   ", "tabs\t\tand\n\n\nnewlines \n\t x",
    "I'm sure they'll say it's fine, don't you think? We've seen it. I'D SAY IT'S OK'S", "'s 's' ''s",
    "Numbers: 0 12 123 1234 12345 3.14159 1,000,000 -42 +7 2024-01-10 01/10/09 10:35",
    "½ ¾ ² ³ ٣٤٥ ४२ ⅷ", "Café naïve résumé façade Ångström Zürich São Paulo",
    "e\u0301 a\u0300 o\u0308 n\u0303 A\u030a \u1100\u1161\u11a8 \u212b \u2126",
    "Ｆｕｌｌｗｉｄｔｈ ＡＢＣ１２３", "你好，世界！这是一个测试。", "日本語のテキストとカタカナ ー", "한국어 텍스트입니다",
    "مرحبا بالعالم، كيف حالك؟", "עברית שלום", "Россия и Україна", "Ελληνικά γράμματα", "हिन्दी भाषा", "ภาษาไทย",
    "Emoji: 😀👍🏽🇺🇸 and ❤️ and 👨‍👩‍👧‍👦 and 🧑🏿‍⚕️", "zero\u200bwidth and\u00a0nbsp and\u3000ideographic\u2003em",
    "def foo(x):\n    return x ** 2  # comment\n\nif __name__ == '__main__':\n\tprint(foo(3))",
    "{\"key\": [1, 2, 3], \"nested\": {\"a\": null}} <div class=\"x\">&amp;</div>",
    "Punctuation!!! ??? ... --- (parens) [brackets] {braces} @#$%^&*_+=|\\/~`",
    f"{SPACE}already{SPACE}marked {SPACE} x", "<0x41> <unk> <s> </s> <pad>", "ABC123def456ghi7890",
    "BP 120/80 mmHg, HR 72 bpm, SpO2 98%, T 37.2°C, weight 70 kg, 5 mg b.i.d. x 10 days",
    "Patient: I've had low back pain for about eight years now.\nDoctor: Any injury?\n Patient: Yeah.",
    "{S0}", "{S0}{S1}", "{S0}Hello{S1}", "x{S0} y {S1} z", " {S0} ", "{S0}\n{S2}\n\n", "Hello {S1}world",
    "<{S0}>", "{S0}{S0} {S2}{S2}", "text with special {S2} inside and at end{S1}",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝟙𝟚𝟛 \U0001F9EC\U0001FA7A", "\u0000\u0001\u001f\u007f control",
    "ſt ß ẞ İstanbul ǅ", "clinote clinotes  clinote", "Ġ Ċ ĠĠ", "a" * 300, "ab " * 40, " " * 17 + "x", "\n" * 7 + "y", "1" * 25,
]

SPECIALS = {
    "smollm2": ["<|im_start|>", "<|im_end|>", "<|endoftext|>"],
    "llama3": ["<|begin_of_text|>", "<|eot_id|>", "<|start_header_id|>"],
    "qwen2": ["<|im_start|>", "<|im_end|>", "<|endoftext|>"],
    "llama2": ["<s>", "</s>", "<unk>"],
    "gemma": ["<start_of_turn>", "<end_of_turn>", "<mask>"],
    "stories260k": ["<s>", "</s>", "<unk>"],
}


def fnv64(data: bytes) -> str:
    h = 0xCBF29CE484222325
    for b in data:
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


def ids_hash(ids):
    return fnv64(b"".join(struct.pack("<i", i) for i in ids))


def dialogues():
    with open(os.path.join(SHARED, "data", "mts-dialog", "valid.csv"), newline="", encoding="utf-8") as f:
        return [row["dialogue"] for row in csv.DictReader(f)]


def training_text():
    texts = []
    with open(os.path.join(SHARED, "data", "mts-dialog", "train.csv"), newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            texts += [row["dialogue"], row["section_text"]]
    with open(os.path.join(SHARED, "data", "aci-bench", "train.csv"), newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            texts += [row["dialogue"], row["note"]]
    return texts


# ---------------------------------------------------------------- byte-level families

def train_byte_level(pre, vocab_size):
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  show_progress=False)
    tok.train_from_iterator(training_text(), trainer)
    return json.loads(tok.to_str())["model"]


def byte_level_json(model, pre_tokenizer, normalizer, post_processor, added, ignore_merges):
    vocab = dict(model["vocab"])
    added_tokens = []
    for content in added:
        vocab_id = len(vocab)
        vocab[content] = vocab_id
        added_tokens.append({"id": vocab_id, "content": content, "single_word": False, "lstrip": False,
                             "rstrip": False, "normalized": False, "special": True})
    return {
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": added_tokens,
        "normalizer": normalizer, "pre_tokenizer": pre_tokenizer, "post_processor": post_processor,
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                  "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False,
                  "ignore_merges": ignore_merges, "vocab": vocab, "merges": model["merges"]},
    }


def make_llama3():
    split = {"type": "Split", "pattern": {"Regex": LLAMA3_REGEX}, "behavior": "Isolated", "invert": False}
    model = train_byte_level(pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(LLAMA3_REGEX), behavior="isolated"),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)]), 1500)
    # Llama 3's vocabulary has tokens no merge sequence reaches; with ignore_merges a word
    # that is one of them is that token. This one covers the case.
    model["vocab"]["\u0120clinote"] = len(model["vocab"])
    added = ["<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"]
    bos_id = len(model["vocab"])
    post = {"type": "Sequence", "processors": [
        {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True},
        {"type": "TemplateProcessing",
         "single": [{"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
         "pair": [{"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                  {"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 1}}, {"Sequence": {"id": "B", "type_id": 1}}],
         "special_tokens": {"<|begin_of_text|>": {"id": "<|begin_of_text|>", "ids": [bos_id],
                                                  "tokens": ["<|begin_of_text|>"]}}}]}
    pre = {"type": "Sequence", "pretokenizers": [
        split, {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False}]}
    config = {"bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>", "clean_up_tokenization_spaces": True,
              "chat_template": "{{ bos_token }}{% for m in messages %}<|start_header_id|>{{ m['role'] }}<|end_header_id|>\n\n"
                               "{{ m['content'] | trim }}<|eot_id|>{% endfor %}"}
    return byte_level_json(model, pre, None, post, added, True), config


def make_qwen2():
    split = {"type": "Split", "pattern": {"Regex": QWEN2_REGEX}, "behavior": "Isolated", "invert": False}
    model = train_byte_level(pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(QWEN2_REGEX), behavior="isolated"),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)]), 1500)
    added = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    pre = {"type": "Sequence", "pretokenizers": [
        split, {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False}]}
    post = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False}
    config = {"bos_token": None, "eos_token": "<|im_end|>", "pad_token": "<|endoftext|>",
              "chat_template": "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"}
    return byte_level_json(model, pre, {"type": "NFC"}, post, added, False), config


def gguf_strings(reader, key):
    field = reader.fields[key]
    return [bytes(field.parts[i]).decode("utf-8") for i in field.data]


def gguf_numbers(reader, key):
    field = reader.fields[key]
    return [field.parts[i][0].item() for i in field.data]


def make_smollm2():
    reader = gguf.GGUFReader(SMOLLM2_GGUF)
    tokens = gguf_strings(reader, "tokenizer.ggml.tokens")
    types = gguf_numbers(reader, "tokenizer.ggml.token_type")
    merges = [tuple(m.split(" ", 1)) for m in gguf_strings(reader, "tokenizer.ggml.merges")]
    tok = Tokenizer(models.BPE(vocab={t: i for i, t in enumerate(tokens)}, merges=merges))
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=True)])
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    tok.add_special_tokens([AddedToken(t, special=True, normalized=False) for t, ty in zip(tokens, types) if ty == 3])
    return tok


# ---------------------------------------------------------------- SentencePiece-style families

def train_sentencepiece_style(prepend_scheme, vocab_size):
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement=SPACE, prepend_scheme=prepend_scheme, split=True)
    # A small alphabet, so that rarer characters take the byte fallback.
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, limit_alphabet=70, show_progress=False)
    tok.train_from_iterator(training_text(), trainer)
    return json.loads(tok.to_str())["model"]


def sentencepiece_json(model, leading, added, normalizer, decoder, bos, unk):
    """leading: tokens before the byte tokens (their ids come first, as in the real vocabularies)."""
    vocab = {}
    for t in leading:
        vocab[t] = len(vocab)
    for b in range(256):
        vocab[f"<0x{b:02X}>"] = len(vocab)
    for t, _ in sorted(model["vocab"].items(), key=lambda kv: kv[1]):
        if t not in vocab:
            vocab[t] = len(vocab)
    added_tokens = []
    for content, special, lstrip, rstrip in added:
        if content not in vocab:
            vocab[content] = len(vocab)
        added_tokens.append({"id": vocab[content], "content": content, "single_word": False, "lstrip": lstrip,
                             "rstrip": rstrip, "normalized": False, "special": special})
    post = {"type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": bos, "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": bos, "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                     {"SpecialToken": {"id": bos, "type_id": 1}}, {"Sequence": {"id": "B", "type_id": 1}}],
            "special_tokens": {bos: {"id": bos, "ids": [vocab[bos]], "tokens": [bos]}}}
    return {
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": added_tokens,
        "normalizer": normalizer, "pre_tokenizer": None, "post_processor": post, "decoder": decoder,
        "model": {"type": "BPE", "dropout": None, "unk_token": unk, "continuing_subword_prefix": None,
                  "end_of_word_suffix": None, "fuse_unk": True, "byte_fallback": True, "ignore_merges": False,
                  "vocab": vocab, "merges": model["merges"]},
    }


def make_llama2():
    model = train_sentencepiece_style("always", 1200)
    normalizer = {"type": "Sequence", "normalizers": [
        {"type": "Prepend", "prepend": SPACE},
        {"type": "Replace", "pattern": {"String": " "}, "content": SPACE}]}
    decoder = {"type": "Sequence", "decoders": [
        {"type": "Replace", "pattern": {"String": SPACE}, "content": " "},
        {"type": "ByteFallback"}, {"type": "Fuse"},
        {"type": "Strip", "content": " ", "start": 1, "stop": 0}]}
    added = [("<unk>", True, False, False), ("<s>", True, False, False), ("</s>", True, False, False)]
    config = {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>", "add_bos_token": True,
              "chat_template": "{% for m in messages %}<|{{ m['role'] }}|>\n{{ m['content'] }}{{ eos_token }}\n{% endfor %}"}
    return sentencepiece_json(model, ["<unk>", "<s>", "</s>"], added, normalizer, decoder, "<s>", "<unk>"), config


def make_gemma():
    model = train_sentencepiece_style("never", 1200)
    normalizer = {"type": "Replace", "pattern": {"String": " "}, "content": SPACE}
    decoder = {"type": "Sequence", "decoders": [
        {"type": "Replace", "pattern": {"String": SPACE}, "content": " "},
        {"type": "ByteFallback"}, {"type": "Fuse"}]}
    # <mask> takes the whitespace around it (lstrip/rstrip), and <unused0> is added but not special,
    # to cover those flags.
    added = [("<pad>", True, False, False), ("<eos>", True, False, False), ("<bos>", True, False, False),
             ("<unk>", True, False, False), ("<mask>", True, True, True), ("<start_of_turn>", True, False, False),
             ("<end_of_turn>", True, False, False), ("<unused0>", False, False, False)]
    config = {"bos_token": "<bos>", "eos_token": "<eos>", "pad_token": "<pad>", "unk_token": "<unk>",
              "chat_template": "{{ bos_token }}{% for m in messages %}<start_of_turn>{{ m['role'] }}\n"
                               "{{ m['content'] | trim }}<end_of_turn>\n{% endfor %}"}
    leading = ["<pad>", "<eos>", "<bos>", "<unk>", "<mask>", "<start_of_turn>", "<end_of_turn>", "<unused0>"]
    tokenizer_json = sentencepiece_json(model, leading, added, normalizer, decoder, "<bos>", "<unk>")
    # As transformers' GemmaConverter writes it (a no-op once spaces are "▁").
    tokenizer_json["pre_tokenizer"] = {"type": "Split", "pattern": {"String": " "}, "behavior": "MergedWithPrevious",
                                       "invert": False}
    return tokenizer_json, config


# ---------------------------------------------------------------- stories260K (GGUF, scores)

class SentencePieceReference:
    """SentencePiece itself, on a ModelProto made from the GGUF vocabulary."""

    def __init__(self, path):
        reader = gguf.GGUFReader(path)
        self.tokens = gguf_strings(reader, "tokenizer.ggml.tokens")
        scores = gguf_numbers(reader, "tokenizer.ggml.scores")
        types = gguf_numbers(reader, "tokenizer.ggml.token_type")
        proto = sp_pb2.ModelProto()
        proto.trainer_spec.model_type = sp_pb2.TrainerSpec.BPE
        proto.trainer_spec.byte_fallback = True
        proto.trainer_spec.vocab_size = len(self.tokens)
        proto.normalizer_spec.name = "identity"
        proto.normalizer_spec.add_dummy_prefix = True
        proto.normalizer_spec.remove_extra_whitespaces = False
        proto.normalizer_spec.escape_whitespaces = True
        type_map = {1: sp_pb2.ModelProto.SentencePiece.NORMAL, 2: sp_pb2.ModelProto.SentencePiece.UNKNOWN,
                    3: sp_pb2.ModelProto.SentencePiece.CONTROL, 4: sp_pb2.ModelProto.SentencePiece.USER_DEFINED,
                    6: sp_pb2.ModelProto.SentencePiece.BYTE}
        for t, s, ty in zip(self.tokens, scores, types):
            p = proto.pieces.add()
            p.piece, p.score, p.type = t, s, type_map[ty]
        self.sp = spm.SentencePieceProcessor(model_proto=proto.SerializeToString())
        self.special = {t: i for i, (t, ty) in enumerate(zip(self.tokens, types)) if ty in (2, 3)}
        self.decoder = decoders.Sequence([decoders.Replace(SPACE, " "), decoders.ByteFallback(), decoders.Fuse(),
                                          decoders.Strip(" ", 1, 0)])

    def encode(self, text, add_special):
        # Special tokens are split out first (leftmost, longest), and each stretch of text between
        # them gets the dummy prefix, as llama.cpp and HF's Llama tokenizer do.
        ids = [self.special["<s>"]] if add_special else []
        names = sorted(self.special, key=len, reverse=True)
        start = i = 0
        while i < len(text):
            match = next((n for n in names if text.startswith(n, i)), None)
            if match is None:
                i += 1
                continue
            if i > start:
                ids += self.sp.encode(text[start:i])
            ids.append(self.special[match])
            i = start = i + len(match)
        if start < len(text):
            ids += self.sp.encode(text[start:])
        return ids

    def decode(self, ids, skip_special):
        kept = [self.tokens[i] for i in ids if not (skip_special and self.tokens[i] in self.special)]
        return self.decoder.decode(kept)


class HFReference:
    def __init__(self, tok):
        self.tok = tok

    def encode(self, text, add_special):
        return self.tok.encode(text, add_special_tokens=add_special).ids

    def decode(self, ids, skip_special):
        return self.tok.decode(ids, skip_special_tokens=skip_special)


# ---------------------------------------------------------------- recording

def edge_texts(name):
    s = SPECIALS[name]
    return [t.replace("{S0}", s[0]).replace("{S1}", s[1]).replace("{S2}", s[2]) for t in EDGE_CASES]


def record(name, ref, n_vocab, source):
    cases = []
    for text in edge_texts(name):
        ids = ref.encode(text, True)
        cases.append({"text": text, "ids": ids, "ids_plain": ref.encode(text, False),
                      "decoded": ref.decode(ids, False), "decoded_skip": ref.decode(ids, True)})
    # Decoding alone: random id sequences, which split characters and byte runs anywhere.
    rng = random.Random(1234)
    decode_cases = []
    for _ in range(40):
        ids = [rng.randrange(n_vocab) for _ in range(rng.randrange(1, 12))]
        decode_cases.append({"ids": ids, "decoded": ref.decode(ids, False), "decoded_skip": ref.decode(ids, True)})
    dialogue_cases = []
    for k, text in enumerate(dialogues()):
        ids = ref.encode(text, True)
        entry = {"n_ids": len(ids), "ids_hash": ids_hash(ids),
                 "decoded_hash": fnv64(ref.decode(ids, False).encode("utf-8")),
                 "decoded_skip_hash": fnv64(ref.decode(ids, True).encode("utf-8"))}
        if k < FULL_DIALOGUES:
            entry["ids"] = ids
        dialogue_cases.append(entry)
    golden = {"source": source, "cases": cases, "decode_cases": decode_cases, "dialogues": dialogue_cases}
    with open(os.path.join(OUT, f"{name}.golden.json"), "w", encoding="utf-8") as f:
        json.dump(golden, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")
    print(f"{name}: {len(cases)} cases, {len(dialogue_cases)} dialogues, "
          f"{sum(d['n_ids'] for d in dialogue_cases)} dialogue tokens", file=sys.stderr)


def record_pretokenizers():
    """The split alone, for each byte-level family: pieces as text (mapped back from ByteLevel)."""
    byte_of = {c: b for b, c in enumerate(bytes_to_unicode())}
    families = {
        "gpt2": pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True),
        "gpt2_digits": pre_tokenizers.Sequence([pre_tokenizers.Digits(individual_digits=True),
                                                pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)]),
        "llama3": pre_tokenizers.Sequence([pre_tokenizers.Split(Regex(LLAMA3_REGEX), behavior="isolated"),
                                           pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)]),
        "qwen2": pre_tokenizers.Sequence([pre_tokenizers.Split(Regex(QWEN2_REGEX), behavior="isolated"),
                                          pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)]),
    }
    texts = [t.replace("{S0}", "<").replace("{S1}", ">").replace("{S2}", "|") for t in EDGE_CASES]
    texts += ["a  1", "x \n\n 1 2  3", "1234567 ½2", "  \t\n  x", "\"hello 'Re 'LL", "!!'s\n\n\r\n", "ab\u00a0\u00a0cd",
              "it'\u017ft x I'ST we'Re"]
    golden = {}
    for name, pre in families.items():
        def split(text):
            return [bytes(byte_of[c] for c in piece).decode("utf-8") for piece, _ in pre.pre_tokenize_str(text)]
        golden[name] = {"cases": [{"text": t, "pieces": split(t)} for t in texts],
                        "dialogues": [fnv64("\0".join(split(d)).encode("utf-8")) for d in dialogues()]}
    with open(os.path.join(OUT, "pretokenize.golden.json"), "w", encoding="utf-8") as f:
        json.dump(golden, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")


def bytes_to_unicode():
    """GPT-2's byte -> character map (index = byte)."""
    printable = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
    out, extra = [], 0
    for b in range(256):
        if b in printable:
            out.append(chr(b))
        else:
            out.append(chr(256 + extra))
            extra += 1
    return out


def write_hf_dir(name, tokenizer_json, config):
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tokenizer_json, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")
    with open(os.path.join(d, "tokenizer_config.json"), "w", encoding="utf-8") as f:
        json.dump(config, f, ensure_ascii=False, indent=1)
        f.write("\n")
    return Tokenizer.from_file(os.path.join(d, "tokenizer.json"))


def main():
    os.makedirs(OUT, exist_ok=True)
    record_pretokenizers()
    for name, make in [("llama3", make_llama3), ("qwen2", make_qwen2), ("llama2", make_llama2), ("gemma", make_gemma)]:
        tokenizer_json, config = make()
        tok = write_hf_dir(name, tokenizer_json, config)
        record(name, HFReference(tok), tok.get_vocab_size(), f"tokenizers {__import__('tokenizers').__version__}, "
               f"tests/golden/tokenizer/{name}/tokenizer.json")
    if os.path.exists(SMOLLM2_GGUF):
        tok = make_smollm2()
        record("smollm2", HFReference(tok), tok.get_vocab_size(),
               "tokenizers, BPE from the GGUF's tokens/merges with SmolLM2's tokenizer.json configuration")
    else:
        print(f"skipping smollm2: {SMOLLM2_GGUF} not found", file=sys.stderr)
    ref = SentencePieceReference(STORIES_GGUF)
    record("stories260k", ref, len(ref.tokens), f"sentencepiece {spm.__version__} on the GGUF's pieces and scores")


if __name__ == "__main__":
    main()
