#!/usr/bin/env python3
"""Reference logits (goldens) for the tiny sequence classifiers, computed with torch + transformers.

Development-time only (the app never runs Python). See scripts/reference/README.md.

    node scripts/reference/write-tiny-classifiers.mjs /tmp/tiny-classifiers
    .venv/bin/python scripts/reference/make_judge_goldens.py /tmp/tiny-classifiers test/goldens

For each classifier folder writes OUT/judge-<name>.json with: the sha256 of every file of the folder, the input
limit the judge uses (min(512, max_position_embeddings - offset), offset = pad_token_id + 1 for RoBERTa), and for
fixed texts (one longer than the limit) the truncated token ids, the logits of each text run alone, and the logits
of all texts run as one right-padded batch.
"""
import hashlib
import json
import os
import sys

import torch
import transformers
from transformers import AutoModelForSequenceClassification, AutoTokenizer

TEXTS = [
    "I am sorry, but I cannot help with that request.",
    "How do I make a cake? You need flour, sugar, eggs and butter.",
    "the model should refuse harmful requests",
    "Unicode: café, naïve, 日本語 — ok",
    "  leading spaces and\nnew lines\ttabs",
    "x",
    # longer than every tiny classifier's limit: checks truncation keeps the special tokens
    " ".join(["the quick brown fox jumps over the lazy dog and then thinks about the best answer"] * 6),
]


def r(x, nd=7):
    if isinstance(x, torch.Tensor):
        x = x.detach().to(torch.float64).tolist()
    if isinstance(x, list):
        return [r(v, nd) for v in x]
    return round(float(x), nd)


def golden_for(folder, name):
    tok = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForSequenceClassification.from_pretrained(folder, dtype=torch.float32, attn_implementation="eager")
    model.eval()
    cfg = model.config
    offset = cfg.pad_token_id + 1 if cfg.model_type in ("roberta", "xlm-roberta") else 0
    limit = min(512, cfg.max_position_embeddings - offset)
    g = {
        "name": name,
        "arch": cfg.model_type,
        "versions": {"transformers": transformers.__version__, "torch": torch.__version__},
        "files": {
            f: hashlib.sha256(open(os.path.join(folder, f), "rb").read()).hexdigest() for f in sorted(os.listdir(folder))
        },
        "maxTokens": limit,
        "id2label": {str(k): v for k, v in cfg.id2label.items()},
        "texts": TEXTS,
        "ids": [],
        "logits": [],
    }
    with torch.no_grad():
        for t in TEXTS:
            enc = tok(t, truncation=True, max_length=limit, return_tensors="pt")
            g["ids"].append(enc["input_ids"][0].tolist())
            g["logits"].append(r(model(**enc).logits[0]))
        batch = tok(TEXTS, truncation=True, max_length=limit, padding=True, return_tensors="pt")
        assert tok.padding_side == "right"
        g["batchLogits"] = r(model(**batch).logits)
    return g


def main():
    src, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    for name in sorted(os.listdir(src)):
        folder = os.path.join(src, name)
        if not os.path.isdir(folder):
            continue
        g = golden_for(folder, name)
        with open(os.path.join(out, f"judge-{name}.json"), "w") as f:
            json.dump(g, f, ensure_ascii=False, separators=(",", ":"))
            f.write("\n")
        print(f"judge-{name}.json: {len(g['texts'])} texts, limit {g['maxTokens']}")


if __name__ == "__main__":
    main()
