#!/usr/bin/env python3
"""LoRA (or QLoRA) fine-tuning with TRL + PEFT on a clinote export, for GPUs and clusters.

The data is `clinote data export ... --format trl` (train.jsonl, valid.jsonl): TRL renders it
with the model's own chat template and scores the completions only, the same tokens and mask
`clinote train` uses (tests/data/test_trl_tokens.py). The defaults are the hyper-parameters of
clinote's recipe (scripts/train-clinical-adapter.sh, stage 1). The adapter saved in --out is a
PEFT adapter that clinote loads unchanged: `clinote note --model M --adapter OUT visit.txt`,
`clinote merge`, `clinote convert --lora`, `clinote eval --adapter OUT`.

One GPU:        python3 recipes/hf/train_sft.py --model HuggingFaceTB/SmolLM2-135M-Instruct --data DIR --out OUT
Several / nodes: accelerate launch --config_file recipes/hf/accelerate/<config>.yaml recipes/hf/train_sft.py ...
(recipes/hf/README.md has the commands.)
"""
import argparse
import os

from datasets import load_dataset
from peft import LoraConfig
from transformers import AutoModelForCausalLM, AutoTokenizer
from trl import SFTConfig, SFTTrainer

TARGETS = "q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj"


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", required=True, help="Hugging Face model id or folder (the base)")
    p.add_argument("--data", required=True, help="folder with train.jsonl and valid.jsonl (clinote data export --format trl)")
    p.add_argument("--out", required=True, help="where the PEFT adapter (and checkpoints) go")
    p.add_argument("--lora-r", type=int, default=16)
    p.add_argument("--lora-alpha", type=float, default=32)
    p.add_argument("--lora-dropout", type=float, default=0.05)
    p.add_argument("--targets", default=TARGETS, help="comma-separated module names")
    p.add_argument("--lr", type=float, default=5e-4)
    p.add_argument("--schedule", default="cosine", choices=["cosine", "linear", "constant"])
    p.add_argument("--warmup-steps", type=int, default=20)
    p.add_argument("--epochs", type=float, default=2)
    p.add_argument("--max-steps", type=int, default=-1, help="stop after this many steps (-1: the epochs)")
    p.add_argument("--batch", type=int, default=4, help="examples per device and step")
    p.add_argument("--grad-accum", type=int, default=1)
    p.add_argument("--max-length", type=int, default=5120, help="tokens; longer examples are truncated by TRL")
    p.add_argument("--eval-steps", type=int, default=200)
    p.add_argument("--save-steps", type=int, default=50)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--qlora", action="store_true", help="the frozen base in 4-bit NF4 (bitsandbytes, CUDA only)")
    p.add_argument("--bf16", action="store_true", help="bfloat16 mixed precision (GPUs that have it)")
    p.add_argument("--cpu", action="store_true", help="train on the CPU (the smoke test)")
    p.add_argument("--resume", action="store_true", help="continue from the newest checkpoint in --out")
    return p.parse_args()


def main():
    a = parse_args()
    tok = AutoTokenizer.from_pretrained(a.model)
    model_kwargs = {}
    if a.qlora:
        import torch
        from transformers import BitsAndBytesConfig
        model_kwargs["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True,
            bnb_4bit_compute_dtype=torch.bfloat16 if a.bf16 else torch.float16)
    model = AutoModelForCausalLM.from_pretrained(a.model, **model_kwargs)
    data = load_dataset("json", data_files={"train": os.path.join(a.data, "train.jsonl"),
                                            "validation": os.path.join(a.data, "valid.jsonl")})
    config = SFTConfig(
        output_dir=a.out, max_length=a.max_length, completion_only_loss=True,
        per_device_train_batch_size=a.batch, per_device_eval_batch_size=a.batch,
        gradient_accumulation_steps=a.grad_accum, learning_rate=a.lr, lr_scheduler_type=a.schedule,
        warmup_steps=a.warmup_steps, num_train_epochs=a.epochs, max_steps=a.max_steps, max_grad_norm=1.0,
        eval_strategy="steps", eval_steps=a.eval_steps, save_steps=a.save_steps, logging_steps=1,
        seed=a.seed, bf16=a.bf16, use_cpu=a.cpu, report_to="none")
    lora = LoraConfig(r=a.lora_r, lora_alpha=a.lora_alpha, lora_dropout=a.lora_dropout,
                      target_modules=a.targets.split(","), task_type="CAUSAL_LM")
    trainer = SFTTrainer(model=model, args=config, train_dataset=data["train"], eval_dataset=data["validation"],
                         processing_class=tok, peft_config=lora)
    trainer.train(resume_from_checkpoint=True if a.resume else None)
    trainer.save_model(a.out)  # adapter_config.json + adapter_model.safetensors
    print(f"adapter saved in {a.out}; use it with: clinote note --model <base> --adapter {a.out} visit.txt")


if __name__ == "__main__":
    main()
