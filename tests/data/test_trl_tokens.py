"""TRL trains on what clinote trains on. MTS-Dialog and ACI-Bench validation visits, exported
with `clinote data export --format trl`, are tokenised as TRL's SFTTrainer tokenises a
conversational prompt-completion dataset (trl 0.25 `tokenize_fn`: transformers'
apply_chat_template of the prompt with the generation prompt, and of prompt + completion; the
completion mask is every token after the prompt). `clinote data tokens` must give the same
input_ids and completion_mask for the Llama 3, Qwen2 and Gemma 3 tokenizers of the test set,
and SmolLM2's (read by transformers from the default model's GGUF, which needs torch; without
it, against tests/golden/data/trl_smollm2_tokens.jsonl, which this test writes with
CLINOTE_UPDATE_GOLDEN=1 where torch is installed). Needs `transformers`; skipped, saying so,
without it."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.path.join(os.path.dirname(ROOT), "shared")
BINARY = os.environ.get("CLINOTE_BIN", os.path.join(ROOT, "build", "clinote"))

try:
    import transformers
except ImportError:  # scripts/setup.sh installs it
    transformers = None


def clinote(*args):
    r = subprocess.run([BINARY, *args], capture_output=True, text=True)
    if r.returncode != 0:
        raise AssertionError(f"clinote {' '.join(args)} failed:\n{r.stderr}")
    return r.stdout


def trl_tokenize(tok, example):
    """trl.SFTTrainer's tokenize_fn for a conversational prompt-completion example."""
    def ids(out):
        out = out["input_ids"] if not isinstance(out, list) else out
        return out[0] if out and isinstance(out[0], list) else list(out)
    prompt_ids = ids(tok.apply_chat_template(example["prompt"], tokenize=True, add_generation_prompt=True))
    full = ids(tok.apply_chat_template(example["prompt"] + example["completion"], tokenize=True, return_dict=True))
    return full, [0] * len(prompt_ids) + [1] * (len(full) - len(prompt_ids)), full[:len(prompt_ids)] == prompt_ids


@unittest.skipIf(transformers is None, "transformers is not installed (scripts/setup.sh installs it)")
class TrlTokensTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="clinote-trl-")
        lines = []
        for source, n in (("mts-dialog/valid.csv", 30), ("aci-bench/valid.csv", 3)):
            name = source.split("/")[0]
            enc = os.path.join(cls.dir, name + ".jsonl")
            out = os.path.join(cls.dir, name)
            clinote("data", "import", os.path.join(SHARED, "data", source), "-o", enc)
            clinote("data", "export", enc, "-o", out, "--template", "soap", "--ratios", "1,0,0", "--format", "trl")
            with open(os.path.join(out, "train.jsonl"), encoding="utf-8") as f:
                lines += f.read().splitlines()[:n]
        cls.data = os.path.join(cls.dir, "examples.jsonl")
        with open(cls.data, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        cls.examples = [json.loads(line) for line in lines]

    def check(self, tok, clinote_args):
        got = [json.loads(line) for line in clinote("data", "tokens", self.data, *clinote_args).splitlines()]
        self.assertEqual(len(got), len(self.examples))
        for example, mine in zip(self.examples, got):
            ids, mask, prefix_ok = trl_tokenize(tok, example)
            self.assertTrue(prefix_ok, mine["id"] + ": TRL would warn that the prompt is not a prefix")
            self.assertEqual(mine["input_ids"], ids, mine["id"])
            self.assertEqual(mine["completion_mask"], mask, mine["id"])
            self.assertEqual(example["completion"][0]["role"], "assistant")

    def test_prompt_completion_export_is_what_trl_tokenizes(self):
        for name in ("llama3", "qwen2", "gemma"):
            with self.subTest(tokenizer=name):
                path = os.path.join(ROOT, "tests", "golden", "tokenizer", name)
                self.check(transformers.AutoTokenizer.from_pretrained(path), ["--tokenizer", path])

    def test_default_model_smollm2(self):
        gguf = os.path.join(ROOT, "models", "SmolLM2-135M-Instruct.Q4_1.gguf")
        if not os.path.exists(gguf):
            self.skipTest("the default model is absent (scripts/setup.sh installs it)")
        golden = os.path.join(ROOT, "tests", "golden", "data", "trl_smollm2_tokens.jsonl")
        try:
            tok = transformers.AutoTokenizer.from_pretrained(os.path.dirname(gguf), gguf_file=os.path.basename(gguf))
        except Exception:  # transformers reads GGUF files only with torch installed
            tok = None
        if tok is not None:
            self.check(tok, ["--model", gguf])
            if os.environ.get("CLINOTE_UPDATE_GOLDEN"):
                with open(golden, "w", encoding="utf-8") as f:
                    for example in self.examples:
                        ids, mask, _ = trl_tokenize(tok, example)
                        f.write(json.dumps({"input_ids": ids, "completion_mask": mask}) + "\n")
            return
        with open(golden, encoding="utf-8") as f:
            want = [json.loads(line) for line in f]
        got = [json.loads(line) for line in clinote("data", "tokens", self.data, "--model", gguf).splitlines()]
        self.assertEqual(len(got), len(want))
        for mine, theirs in zip(got, want):
            self.assertEqual(mine["input_ids"], theirs["input_ids"], mine["id"])
            self.assertEqual(mine["completion_mask"], theirs["completion_mask"], mine["id"])


if __name__ == "__main__":
    unittest.main()
