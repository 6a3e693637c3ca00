#!/usr/bin/env python3
"""Golden token ids and loss masks of training examples, as TRL computes them.

For each tokenizer (the tiny ones of tests/golden/tokenizer: byte-level BPE and SentencePiece
with and without the space prefix) and a chat template, the examples below are rendered with
transformers' apply_chat_template and masked with TRL's own code (trl.data_utils._tokenize and
common_prefix_length, as SFTTrainer's tokenize step uses them):

- {"messages": ...}: TRL's assistant_only_loss, i.e. apply_chat_template(...,
  return_assistant_tokens_mask=True) on the template's training variant, whose
  {% generation %} block holds each assistant turn's content and its end-of-turn token
  (as trl/chat_templates/llama3_training.jinja does). clinote gets the plain template.
- {"prompt", "completion"}: TRL's completion mask (every token after the common prefix of the
  tokenised prompt with the generation prompt and the tokenised whole). A plain-text pair is
  one user and one assistant turn, as MLX-LM renders it (TRL would not apply the template).

Writes tests/golden/train_data/cases.json.
Usage: python3 tools/make_train_data_golden.py   (needs transformers, tokenizers, trl)
"""
import json
import os

from transformers import PreTrainedTokenizerFast
from trl.data_utils import _tokenize, common_prefix_length

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "golden", "train_data", "cases.json")

# (name, tokenizer dir, plain template, training template with generation markers)
CHATML = ("{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
          "{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}"
          "{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}"
          "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}")
CHATML_TRAINING = ("{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
                   "{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}"
                   "{% endif %}{% if message['role'] == 'assistant' %}{{ '<|im_start|>assistant\n' }}"
                   "{% generation %}{{ message['content'] + '<|im_end|>' }}{% endgeneration %}{{ '\n' }}"
                   "{% else %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}"
                   "{% endif %}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}")

LLAMA3 = ("{%- for message in messages %}{%- if loop.index0 == 0 %}{{- bos_token }}{%- endif %}"
          "{{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n' + message['content'] | trim + '<|eot_id|>' }}"
          "{%- endfor %}{%- if add_generation_prompt %}{{- '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{%- endif %}")
LLAMA3_TRAINING = ("{%- for message in messages %}{%- if loop.index0 == 0 %}{{- bos_token }}{%- endif %}"
                   "{%- if message['role'] == 'assistant' %}{{- '<|start_header_id|>assistant<|end_header_id|>\n\n' }}"
                   "{%- generation %}{{- message['content'] | trim + '<|eot_id|>' }}{%- endgeneration %}"
                   "{%- else %}{{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n' + message['content'] | trim + '<|eot_id|>' }}"
                   "{%- endif %}{%- endfor %}{%- if add_generation_prompt %}{{- '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{%- endif %}")

GEMMA = ("{{ bos_token }}{% for m in messages %}{% set role = 'model' if m['role'] == 'assistant' else m['role'] %}"
         "{{ '<start_of_turn>' + role + '\n' + m['content'] | trim + '<end_of_turn>\n' }}{% endfor %}"
         "{% if add_generation_prompt %}{{ '<start_of_turn>model\n' }}{% endif %}")
GEMMA_TRAINING = ("{{ bos_token }}{% for m in messages %}{% if m['role'] == 'assistant' %}{{ '<start_of_turn>model\n' }}"
                  "{% generation %}{{ m['content'] | trim + '<end_of_turn>' }}{% endgeneration %}{{ '\n' }}"
                  "{% else %}{{ '<start_of_turn>' + m['role'] + '\n' + m['content'] | trim + '<end_of_turn>\n' }}{% endif %}"
                  "{% endfor %}{% if add_generation_prompt %}{{ '<start_of_turn>model\n' }}{% endif %}")

# Llama 2: the reply is " content </s>" after [/INST]; SentencePiece with the space prefix.
LLAMA2 = ("{{ bos_token }}{% for m in messages %}{% if m['role'] == 'user' %}{{ '[INST] ' + m['content'] | trim + ' [/INST]' }}"
          "{% elif m['role'] == 'system' %}{{ '<<SYS>> ' + m['content'] | trim + ' <</SYS>> ' }}"
          "{% else %}{{ ' ' + m['content'] | trim + ' ' + eos_token }}{% endif %}{% endfor %}")
LLAMA2_TRAINING = ("{{ bos_token }}{% for m in messages %}{% if m['role'] == 'user' %}{{ '[INST] ' + m['content'] | trim + ' [/INST]' }}"
                   "{% elif m['role'] == 'system' %}{{ '<<SYS>> ' + m['content'] | trim + ' <</SYS>> ' }}"
                   "{% else %}{{ ' ' }}{% generation %}{{ m['content'] | trim + ' ' + eos_token }}{% endgeneration %}"
                   "{% endif %}{% endfor %}")

CONFIGS = [
    ("chatml_bpe", "tests/golden/tokenizer/qwen2", CHATML, CHATML_TRAINING),
    ("llama3_bpe", "tests/golden/tokenizer/llama3", LLAMA3, LLAMA3_TRAINING),
    ("gemma_spm", "tests/golden/tokenizer/gemma", GEMMA, GEMMA_TRAINING),
    ("llama2_spm", "tests/golden/tokenizer/llama2", LLAMA2, LLAMA2_TRAINING),
]

SYSTEM = "You are a medical scribe. Write the PLAN section of the note."
ROWS = [
    {"messages": [{"role": "system", "content": SYSTEM},
                  {"role": "user", "content": "Transcript:\nDoctor: Any allergies?\nPatient: Penicillin, I get hives."},
                  {"role": "assistant", "content": "ALLERGIES\nPenicillin (hives)."}]},
    {"messages": [{"role": "user", "content": "Doctor: How is the cough?\nPatient: Better since the inhaler."},
                  {"role": "assistant", "content": "Cough improving on albuterol."},
                  {"role": "user", "content": "Now the plan, please."},
                  {"role": "assistant", "content": "PLAN\n1. Continue albuterol 2 puffs q4h PRN.\n2. Follow up in 2 weeks."}]},
    {"messages": [{"role": "system", "content": SYSTEM},
                  {"role": "user", "content": "  Patient: My sugar was 250 this morning.  "},
                  {"role": "assistant", "content": "\n  Hyperglycaemia: metformin 500 mg twice daily; HbA1c in 3 months.  \n"}]},
    {"messages": [{"role": "user", "content": "Doctor: Température 38,5 °C, dose 50 µg — d'accord? 👍"},
                  {"role": "assistant", "content": "Fever 38.5 °C; levothyroxine 50 µg daily ✓"}]},
    {"prompt": "Doctor: What brings you in?\nPatient: Chest pain for two days.",
     "completion": "CHIEF COMPLAINT\nChest pain, 2 days."},
    {"prompt": [{"role": "system", "content": SYSTEM},
                {"role": "user", "content": "Doctor: Blood pressure is 150 over 90.\nPatient: It's always high here."}],
     "completion": [{"role": "assistant", "content": "VITALS\nBP 150/90."}]},
]


def tokenizer_for(directory):
    cfg = json.load(open(os.path.join(ROOT, directory, "tokenizer_config.json")))
    return PreTrainedTokenizerFast(tokenizer_file=os.path.join(ROOT, directory, "tokenizer.json"),
                                   bos_token=cfg.get("bos_token"), eos_token=cfg.get("eos_token"),
                                   unk_token=cfg.get("unk_token"), pad_token=cfg.get("pad_token"))


def as_messages(value, role):
    return [{"role": role, "content": value}] if isinstance(value, str) else value


def expected(tok, row, plain, training):
    if "messages" in row:
        out = _tokenize(tok, row["messages"], chat_template=training, return_assistant_tokens_mask=True)
        ids, mask = list(out["input_ids"]), list(out["assistant_masks"])
        # The markers change no text: the plain template gives the same tokens.
        assert ids == list(_tokenize(tok, row["messages"], chat_template=plain)["input_ids"])
        return ids, mask
    prompt = as_messages(row["prompt"], "user")
    completion = as_messages(row["completion"], "assistant")
    prompt_ids = list(_tokenize(tok, prompt, chat_template=plain, add_generation_prompt=True)["input_ids"])
    ids = list(_tokenize(tok, prompt + completion, chat_template=plain)["input_ids"])
    n = common_prefix_length(prompt_ids, ids)
    return ids, [0] * n + [1] * (len(ids) - n)


def main():
    cases = []
    for name, directory, plain, training in CONFIGS:
        tok = tokenizer_for(directory)
        examples = []
        for row in ROWS:
            ids, mask = expected(tok, row, plain, training)
            assert len(ids) == len(mask) and any(mask), (name, row)
            examples.append({"row": row, "ids": ids, "scored": mask})
        cases.append({"name": name, "tokenizer": directory, "chat_template": plain, "examples": examples})
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump({"source": "transformers apply_chat_template + trl.data_utils (SFTTrainer's masks)",
                   "cases": cases}, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")
    print("wrote", OUT, os.path.getsize(OUT), "bytes")


if __name__ == "__main__":
    main()
