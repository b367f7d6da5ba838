#!/usr/bin/env python3
"""Reference outputs (goldens) for the tiny test models, computed with torch + transformers.

Development-time only (the app never runs Python). See scripts/reference/README.md.

    node scripts/reference/write-tiny-models.mjs /tmp/tiny-models
    .venv/bin/python scripts/reference/make_goldens.py /tmp/tiny-models test/goldens

For each model folder writes OUT/<name>.json with: tokenizer ids/decodes for fixed texts, chat-template renders
and ids, last-position logits, hidden states at every layer (transformers' convention: index 0 = embeddings,
last = after the final norm), and greedy continuations (alone, and a left-padded batch).
"""
import hashlib
import json
import os
import sys

import torch
import transformers
from transformers import AutoModelForCausalLM, AutoTokenizer, LlamaConfig
from transformers.modeling_rope_utils import ROPE_INIT_FUNCTIONS

TEXTS = [
    "Hello world, the quick brown fox!",
    "How do I make a cake?",
    "I am sorry, but I cannot help with that request.",
    "Unicode: café, naïve, 日本語 — ok",
    "  leading spaces and\nnew lines\ttabs",
]
CHATS = [
    [{"role": "user", "content": "How do I make a cake?"}],
    [
        {"role": "user", "content": "hello there"},
        {"role": "assistant", "content": "I am sorry, but I cannot help with that request."},
        {"role": "user", "content": "the model should answer safe ones"},
    ],
]
NEW_TOKENS = 24


def r(x, nd=6):
    """Floats rounded for compact JSON (well below float32 comparison tolerances)."""
    if isinstance(x, torch.Tensor):
        x = x.detach().to(torch.float64).tolist()
    if isinstance(x, list):
        return [r(v, nd) for v in x]
    return round(float(x), nd)


def greedy(model, input_ids, attention_mask, pad_id):
    out = model.generate(
        input_ids=input_ids,
        attention_mask=attention_mask,
        max_new_tokens=NEW_TOKENS,
        min_new_tokens=NEW_TOKENS,
        do_sample=False,
        num_beams=1,
        pad_token_id=pad_id,
        eos_token_id=None,
    )
    return out[:, input_ids.shape[1]:].tolist()


def golden_for(folder, name):
    tok = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32, attn_implementation="eager")
    model.eval()
    model.generation_config.eos_token_id = None
    cfg = model.config
    g = {
        "name": name,
        "arch": cfg.model_type,
        "versions": {"transformers": transformers.__version__, "torch": torch.__version__},
        "note": "greedy continuations never stop at EOS (exactly NEW_TOKENS new tokens)",
        "vocab": cfg.vocab_size,
        # the folder the goldens came from: tests re-write it from the same seed and check these hashes first
        "files": {
            f: hashlib.sha256(open(os.path.join(folder, f), "rb").read()).hexdigest() for f in sorted(os.listdir(folder))
        },
        "tokenizer": [],
        "chat": [],
        "forward": [],
    }
    for t in TEXTS:
        ids = tok(t, add_special_tokens=True)["input_ids"]
        plain = tok(t, add_special_tokens=False)["input_ids"]
        g["tokenizer"].append(
            {
                "text": t,
                "ids": ids,
                "idsNoSpecial": plain,
                "decoded": tok.decode(ids, skip_special_tokens=False),
                "decodedSkipSpecial": tok.decode(ids, skip_special_tokens=True),
            }
        )
    if tok.chat_template:
        for msgs in CHATS:
            for agp in (True, False):
                try:
                    text = tok.apply_chat_template(msgs, tokenize=False, add_generation_prompt=agp)
                    ids = tok.apply_chat_template(msgs, tokenize=True, add_generation_prompt=agp, return_dict=False)
                    if isinstance(ids, dict) or hasattr(ids, "keys"):
                        ids = ids["input_ids"]
                    g["chat"].append({"messages": msgs, "addGenerationPrompt": agp, "text": text, "ids": list(ids)})
                except Exception as e:  # a template that refuses (e.g. role order) is recorded as such
                    g["chat"].append({"messages": msgs, "addGenerationPrompt": agp, "error": str(e)})
    with torch.no_grad():
        for t in TEXTS[:3]:
            ids = tok(t, add_special_tokens=True, return_tensors="pt")["input_ids"]
            out = model(input_ids=ids, output_hidden_states=True)
            entry = {"text": t, "ids": ids[0].tolist(), "lastLogits": r(out.logits[0, -1])}
            if t == TEXTS[0]:
                # [layers + 1][seq][hidden]
                entry["hiddenStates"] = [r(h[0]) for h in out.hidden_states]
            g["forward"].append(entry)

        prompt = tok(TEXTS[1], add_special_tokens=True, return_tensors="pt")
        cont = greedy(model, prompt["input_ids"], prompt["attention_mask"], tok.pad_token_id or tok.eos_token_id)[0]
        g["greedy"] = {"prompt": TEXTS[1], "ids": prompt["input_ids"][0].tolist(), "continuation": cont, "text": tok.decode(cont)}

        tok.padding_side = "left"
        pad_id = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id
        if tok.pad_token is None:
            tok.pad_token = tok.eos_token
        prompts = [TEXTS[0], TEXTS[1]]
        batch = tok(prompts, add_special_tokens=True, padding=True, return_tensors="pt")
        conts = greedy(model, batch["input_ids"], batch["attention_mask"], pad_id)
        g["greedyBatch"] = {
            "prompts": prompts,
            "padSide": "left",
            "padId": pad_id,
            "inputIds": batch["input_ids"].tolist(),
            "attentionMask": batch["attention_mask"].tolist(),
            "continuations": conts,
        }
    return g


def rope_goldens():
    """inv_freq for rope scaling kinds the engine supports, from transformers' own init functions."""
    cases = []
    base = dict(hidden_size=64, num_attention_heads=4, max_position_embeddings=131072)
    for params in (
        {"rope_type": "default", "rope_theta": 500000.0},
        {"rope_type": "linear", "rope_theta": 10000.0, "factor": 4.0},
        {
            "rope_type": "llama3",
            "rope_theta": 500000.0,
            "factor": 8.0,
            "low_freq_factor": 1.0,
            "high_freq_factor": 4.0,
            "original_max_position_embeddings": 8192,
        },
    ):
        cfg = LlamaConfig(**base, rope_parameters=dict(params))
        if params["rope_type"] == "default":
            dim = cfg.hidden_size // cfg.num_attention_heads
            inv = 1.0 / (params["rope_theta"] ** (torch.arange(0, dim, 2, dtype=torch.int64).float() / dim))
        else:
            inv, _ = ROPE_INIT_FUNCTIONS[params["rope_type"]](cfg, None)
        cases.append({"headDim": 16, "ropeParameters": params, "invFreq": [float(x) for x in inv.tolist()]})
    return cases


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        sys.exit(2)
    src, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    for name in sorted(os.listdir(src)):
        folder = os.path.join(src, name)
        if not os.path.isfile(os.path.join(folder, "config.json")):
            continue
        g = golden_for(folder, name)
        if name == "llama":
            g["rope"] = rope_goldens()
        path = os.path.join(out, f"{name}.json")
        with open(path, "w") as f:
            json.dump(g, f, ensure_ascii=False, separators=(",", ":"))
            f.write("\n")
        print(f"{path}: {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    main()
