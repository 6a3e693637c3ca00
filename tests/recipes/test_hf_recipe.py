"""recipes/hf/train_sft.py for a few steps on the CPU, on a tiny random Llama with the Llama 3
test tokenizer and MTS-Dialog sections exported by `clinote data export --format trl`; clinote
then loads the PEFT adapter it saved, unchanged, and its logits with the adapter (`clinote
generate --logits`, --matmul float) match PyTorch + PEFT's to 1e-4, and differ from the base
model's (the adapter learned something). Needs torch, transformers, peft, trl and datasets,
which CI does not install: skipped, saying so, without them."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.path.join(os.path.dirname(ROOT), "shared")
BINARY = os.environ.get("CLINOTE_BIN", os.path.join(ROOT, "build", "clinote"))

try:
    import torch
    import transformers
    import peft
    import trl  # noqa: F401
    import datasets  # noqa: F401
except ImportError as e:
    missing = str(e)
else:
    missing = None


def run(*args):
    r = subprocess.run(list(args), capture_output=True, text=True)
    if r.returncode != 0:
        raise AssertionError(f"{' '.join(args)} failed:\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}")
    return r.stdout


@unittest.skipIf(missing is not None, f"the HF recipe's packages are not installed ({missing}); CI does not install torch")
class HfRecipeTest(unittest.TestCase):
    def test_recipe_adapter_loads_in_clinote_with_matching_logits(self):
        d = tempfile.mkdtemp(prefix="clinote-hf-recipe-")
        try:
            model_dir = os.path.join(d, "tiny-llama")
            torch.manual_seed(0)
            config = transformers.LlamaConfig(vocab_size=1506, hidden_size=64, intermediate_size=128,
                                              num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                                              max_position_embeddings=1024, bos_token_id=1501, eos_token_id=1505)
            transformers.LlamaForCausalLM(config).save_pretrained(model_dir, safe_serialization=True)
            for f in ("tokenizer.json", "tokenizer_config.json"):
                shutil.copy(os.path.join(ROOT, "tests", "golden", "tokenizer", "llama3", f), model_dir)

            enc = os.path.join(d, "mts.jsonl")
            run(BINARY, "data", "import", os.path.join(SHARED, "data", "mts-dialog", "valid.csv"), "-o", enc)
            export = os.path.join(d, "export")
            run(BINARY, "data", "export", enc, "-o", export, "--template", "soap", "--format", "trl",
                "--ratios", "0.7,0.3,0")
            data = os.path.join(d, "data")
            os.makedirs(data)
            for split, n in (("train", 8), ("valid", 4)):
                with open(os.path.join(export, split + ".jsonl"), encoding="utf-8") as f:
                    lines = f.read().splitlines()[:n]
                with open(os.path.join(data, split + ".jsonl"), "w", encoding="utf-8") as f:
                    f.write("\n".join(lines) + "\n")

            adapter = os.path.join(d, "adapter")
            run(sys.executable, os.path.join(ROOT, "recipes", "hf", "train_sft.py"), "--model", model_dir,
                "--data", data, "--out", adapter, "--max-steps", "4", "--batch", "2", "--lr", "1e-2",
                "--warmup-steps", "0", "--lora-r", "4", "--lora-alpha", "8", "--max-length", "1024", "--cpu")
            self.assertTrue(os.path.exists(os.path.join(adapter, "adapter_model.safetensors")))

            out = os.path.join(d, "logits.json")
            run(BINARY, "generate", "-m", model_dir, "--adapter", adapter, "--matmul", "float", "--raw",
                "-p", "Doctor: Any chest pain?\nPatient: No, but I take lisinopril 10 mg.", "--logits", out)
            with open(out) as f:
                mine = json.load(f)
            base = transformers.LlamaForCausalLM.from_pretrained(model_dir, torch_dtype=torch.float32)
            with torch.no_grad():
                ids = torch.tensor([mine["tokens"]])
                base_logits = base(ids).logits[0].clone()
                tuned = peft.PeftModel.from_pretrained(base, adapter).eval()
                theirs = tuned(ids).logits[0]
            got = torch.tensor(mine["logits"])
            self.assertEqual(got.shape, theirs.shape)
            diff = (got - theirs).abs().max().item()
            self.assertLess(diff, 1e-4, f"clinote vs PyTorch + PEFT logits: max |diff| {diff}")
            moved = (theirs - base_logits).abs().max().item()
            self.assertGreater(moved, 1e-3, "the adapter did not change the logits: the check would mean nothing")
            print(f"logits max |clinote - PEFT| {diff:.2e}; adapter moved them by up to {moved:.3f}")
        finally:
            shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
