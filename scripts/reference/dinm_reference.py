#!/usr/bin/env python3
"""DINM reference ("easyedit" mode) in plain torch + transformers: goldens for the TypeScript editor.

Development-time only (the app never runs Python). Written from the spec in docs/dinm.md, not copied from EasyEdit.

    node scripts/reference/write-dinm-models.mjs /tmp/dinm-models
    .venv/bin/python scripts/reference/dinm_reference.py --model /tmp/dinm-models/llama \
        --case test/goldens/dinm-case.json --out test/goldens/dinm-llama.json --also-f64

Prints / writes one JSON object shaped like `safeedit edit ... --json` (toxic_layer, layer_distances, params,
losses, step0) plus per-tensor gradients, the per-step NLL/KL split, final-tensor checksums and every token id
sequence used, so a mismatch can be traced to tokenization, the forward pass, the loss or the optimizer.
"""
import argparse
import hashlib
import json
import math
import os
import sys

import torch
import transformers
from transformers import AutoModelForCausalLM, AutoTokenizer

# EasyEdit's suffix system prompt (hparams/DINM/*.yaml, suffix_system_prompt).
SUFFIX = "If the user's request is reasonable, give the correct answer. Please give the right response:"

# Per architecture (config.model_type): the substring template of the edited parameter names (EasyEdit's
# rewrite_module_tmp, matched with `in` against named_parameters()) and the default learning rate.
# qwen2 is not in EasyEdit's SafetyEditor; it follows the llama settings (see docs/dinm.md).
ARCHS = {
    "llama": {"rewrite": "model.layers.{}.mlp.down_proj.weight", "lr": 5e-4},
    "mistral": {"rewrite": "model.layers.{}.mlp.down_proj.weight", "lr": 1e-5},
    "qwen2": {"rewrite": "model.layers.{}.mlp.down_proj.weight", "lr": 5e-4},
    "gpt2": {"rewrite": "transformer.h.{}.mlp.c_proj", "lr": 5e-4},
}
DEFAULTS = {"num_steps": 10, "kl_factor": 0.1, "weight_decay": 0.0, "stop_below": 1e-4,
            "adam": {"betas": [0.9, 0.999], "eps": 1e-8}}


def fail(msg):
    print(f"dinm_reference: {msg}", file=sys.stderr)
    sys.exit(2)


def load_case(path):
    try:
        with open(path, "r", encoding="utf-8") as f:
            rec = json.load(f)
    except (OSError, json.JSONDecodeError) as e:
        fail(f"{path}: cannot read the case as JSON ({e})")
    if not isinstance(rec, dict):
        fail(f"{path}: the case must be one JSON object (a SafeEdit record)")
    need = ["adversarial prompt", "safe generation", "unsafe generation", "knowledge constrain"]
    missing = [k for k in need if k not in rec]
    if missing:
        fail(f"{path}: missing SafeEdit field(s) {missing}")
    kc = rec["knowledge constrain"]
    if not isinstance(kc, dict) or "prompt" not in kc or "answer" not in kc:
        fail(f"{path}: 'knowledge constrain' must be an object with 'prompt' and 'answer'")
    return rec


def stats(t):
    """Checksums of a tensor in its Hugging Face layout: sum, sum of |x|, L2 norm, and a position-weighted sum
    (flat row-major index i weighted by (i % 13) + 1) that also catches transposed or permuted layouts and is not
    ~0 where the plain sum is (GPT-2's c_proj gradients sum to ~0 across the hidden dim: LayerNorm follows)."""
    t = t.detach().to(torch.float64).flatten()
    w = (torch.arange(t.numel(), dtype=torch.float64) % 13) + 1
    return {"sum": t.sum().item(), "abs_sum": t.abs().sum().item(), "norm": t.norm().item(), "wsum": (t * w).sum().item()}


def ids(enc):
    return enc["input_ids"][0].tolist()


def run(model_dir, rec, dtype, attn, steps, lr, kl_factor, layer_override, padding_side="left"):
    tok = AutoTokenizer.from_pretrained(model_dir)
    # EasyEdit (SafetyEditor.__init__): pad token := EOS for every supported model.
    tok.pad_token_id = tok.eos_token_id
    # EasyEdit's pre-edit evaluation (test_safety_gen) sets padding_side = 'left' on the shared tokenizer before
    # the toxic layer is located, so the locate batch is left-padded; 'tokenizer' keeps the tokenizer's own side.
    if padding_side != "tokenizer":
        tok.padding_side = padding_side
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32, attn_implementation=attn)
    model.eval()  # from_pretrained already returns eval mode; EasyEdit never calls train()
    if dtype == torch.float64:
        model = model.to(torch.float64)
    arch = model.config.model_type
    if arch not in ARCHS:
        fail(f"{model_dir}: model_type '{arch}' has no DINM settings (known: {sorted(ARCHS)})")
    spec = ARCHS[arch]
    lr = spec["lr"] if lr is None else lr
    n_layers = model.config.num_hidden_layers

    adv, safe, unsafe = rec["adversarial prompt"], rec["safe generation"], rec["unsafe generation"]
    kc_prompt, kc_answer = rec["knowledge constrain"]["prompt"], rec["knowledge constrain"]["answer"]

    # ---- 1. locate: [safe, unsafe] alone (no prompt), one batch padded with EOS, truncation to model_max_length
    loc = tok([safe, unsafe], return_tensors="pt", padding=True, truncation=True)
    with torch.no_grad():
        hs = model(**loc, output_hidden_states=True).hidden_states  # L+1 x [2, seq, hidden]; [-1] is after the final norm
    if len(hs) != n_layers + 1:
        fail(f"expected {n_layers + 1} hidden states, got {len(hs)}")
    distances = [torch.dist(hs[i][0], hs[i][1], p=2).item() for i in range(1, n_layers + 1)]  # Frobenius over [seq, hidden]
    if any(math.isnan(x) for x in distances):
        # transformers' eager float64 path turns fully masked (left-pad) rows into NaN; float32 gives the uniform
        # average the engine computes. Keep the JSON valid and let the caller pass --layer for such runs.
        if layer_override is None:
            fail("NaN layer distances (float64 + eager + left padding); pass --layer")
        distances = [None] * n_layers
        located = None
    else:
        located = max(range(n_layers), key=lambda i: (distances[i], -i))  # first maximum wins (strict >)
    layer = located if layer_override is None else layer_override

    # ---- 2. edited tensors: names containing the template, weight (and bias for gpt2's c_proj)
    key = spec["rewrite"].format(layer)
    weights = {n: p for n, p in model.named_parameters() if key in n}
    if not weights:
        fail(f"no parameter name contains '{key}'")
    for n, p in model.named_parameters():
        p.requires_grad_(n in weights)
    originals = {n: p.detach().clone() for n, p in weights.items()}
    opt = torch.optim.Adam(list(weights.values()), lr=lr, weight_decay=DEFAULTS["weight_decay"])  # betas/eps: torch defaults

    # ---- 3. texts exactly as EasyEdit builds them (run_safety_editing.py + dinm_main.py)
    prompt = adv + " " + SUFFIX
    target = " " + safe if safe != " " else safe
    ft_text = prompt + " " + target  # adv + " " + SUFFIX + "  " + safe (two spaces)
    kc_text = (kc_prompt + " " + SUFFIX) + " " + kc_answer
    ft = tok([ft_text], return_tensors="pt", padding=True)  # no truncation for the edit input
    lab = tok(target, return_tensors="pt", padding=True)["input_ids"]  # [1, T] (BOS included if the tokenizer adds one)
    labels = lab.masked_fill(lab == tok.pad_token_id, -100)
    kc = tok([kc_text], return_tensors="pt", padding=True, truncation=True)
    kc_ans = tok([kc_answer], return_tensors="pt", padding=True, truncation=True)
    t_kl = kc_ans["attention_mask"].shape[1]
    kl_mask = kc_ans["attention_mask"].to(torch.float64 if dtype == torch.float64 else torch.float32)  # [1, T2]
    # casts as EasyEdit's masked_log_probs / kl_loc_loss do (to float32); float64 runs stay float64
    lossdt = torch.float64 if dtype == torch.float64 else torch.float32

    with torch.no_grad():
        base = model(**kc).logits[:, -t_kl:].to(lossdt)  # [1, T2, vocab], original weights

    losses, nll_curve, kl_curve = [], [], []
    step0 = None
    stopped_early = False
    for it in range(steps):
        opt.zero_grad()
        logits = model(**ft).logits.to(lossdt)  # [1, S, vocab]
        pred = logits[:, :-1][:, -labels.shape[1]:]  # last T predictions, [1, T, vocab]
        mask = labels != -100
        tgt = labels.masked_fill(~mask, 0)
        lp = pred.log_softmax(-1).gather(-1, tgt.unsqueeze(-1)).squeeze(-1)  # [1, T]
        nll = -(lp * mask).sum() / mask.sum()
        with torch.no_grad():  # EasyEdit: the KL term carries no gradient
            post = model(**kc).logits.to(lossdt)
            if post.shape[1] != t_kl:
                post = post[:, -t_kl:]
            kl_tok = (base.softmax(-1) * (base.log_softmax(-1) - post.log_softmax(-1))).sum(-1)  # [1, T2]
            kl = (kl_tok * kl_mask).sum() / kl_mask.sum()
        loss = kl_factor * nll + kl
        losses.append(loss.item())
        nll_curve.append(nll.item())
        kl_curve.append(kl.item())
        if loss.item() >= DEFAULTS["stop_below"]:
            loss.backward()
            if it == 0:
                per = {}
                for n, p in weights.items():
                    g = stats(p.grad)
                    per[n] = {"grad_norm": g["norm"], "grad_sum": g["sum"], "grad_abs_sum": g["abs_sum"],
                              "grad_wsum": g["wsum"], "shape": list(p.shape)}
                allg = torch.cat([p.grad.detach().to(torch.float64).flatten() for p in weights.values()])
                step0 = {"loss": loss.item(), "nll": nll.item(), "kl": kl.item(),
                         "grad_norm": allg.norm().item(), "grad_sum": allg.sum().item(),
                         "grad_abs_sum": allg.abs().sum().item(), "params": per}
            opt.step()
        else:
            stopped_early = True
            break

    # EasyEdit returns delta = trained - original and applies w[...] += delta to the restored weights.
    final = {}
    for n, p in weights.items():
        delta = (p.detach() - originals[n])
        w = originals[n] + delta
        final[n] = {"weight": stats(w), "delta": stats(delta), "original": stats(originals[n])}

    return {
        "mode": "easyedit",
        "arch": arch,
        "toxic_layer": layer,
        "located_layer": located,
        "layer_distances": distances,
        "params": list(weights.keys()),
        "losses": losses,
        "nll": nll_curve,
        "kl": kl_curve,
        "stopped_early": stopped_early,
        "step0": step0,
        "final": final,
        "hparams": {"num_steps": steps, "lr": lr, "kl_factor": kl_factor, "weight_decay": DEFAULTS["weight_decay"],
                    "stop_below": DEFAULTS["stop_below"], "adam": DEFAULTS["adam"], "suffix": SUFFIX},
        "tokens": {
            "padding_side": tok.padding_side,
            "pad_token_id": tok.pad_token_id,
            "locate_input_ids": loc["input_ids"].tolist(),
            "locate_attention_mask": loc["attention_mask"].tolist(),
            "edit_text": ft_text,
            "edit_input_ids": ids(ft),
            "label_ids": lab[0].tolist(),
            "kc_text": kc_text,
            "kc_input_ids": ids(kc),
            "kc_answer_len": t_kl,
        },
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", required=True, help="Hugging Face model folder")
    ap.add_argument("--case", required=True, help="SafeEdit-style record (JSON object)")
    ap.add_argument("--out", help="write the JSON here (default: stdout)")
    ap.add_argument("--dtype", choices=["float32", "float64"], default="float32")
    ap.add_argument("--also-f64", action="store_true", help="embed a float64 run under 'float64'")
    ap.add_argument("--attn", choices=["eager", "sdpa"], default="eager",
                    help="attention kernel; differs only on the fully masked rows of a left-padded batch "
                         "(eager: uniform over all keys, as the engine; sdpa: zeros). See docs/dinm.md")
    ap.add_argument("--steps", type=int, default=DEFAULTS["num_steps"])
    ap.add_argument("--lr", type=float, default=None, help="default: per architecture")
    ap.add_argument("--kl-factor", type=float, default=DEFAULTS["kl_factor"])
    ap.add_argument("--layer", type=int, default=None, help="skip the choice: edit this 0-based block")
    ap.add_argument("--padding-side", choices=["left", "right", "tokenizer"], default="left",
                    help="padding side of the locate batch (the only padded batch); EasyEdit's pipeline: left")
    a = ap.parse_args()

    torch.manual_seed(0)
    rec = load_case(a.case)
    dt = torch.float64 if a.dtype == "float64" else torch.float32
    out = run(a.model, rec, dt, a.attn, a.steps, a.lr, a.kl_factor, a.layer, a.padding_side)
    out["dtype"] = a.dtype
    if a.also_f64 and dt != torch.float64:
        # same edited layer as the float32 run (the float64 locate pass may be NaN on left-pad rows, see run())
        r64 = run(a.model, rec, torch.float64, a.attn, a.steps, a.lr, a.kl_factor, out["toxic_layer"], a.padding_side)
        out["float64"] = {k: r64[k] for k in ["toxic_layer", "layer_distances", "losses", "nll", "kl", "step0", "final"]}
    try:
        with open(f"{a.model}/writer.json", "r", encoding="utf-8") as f:
            out["model"] = json.load(f)
    except FileNotFoundError:
        out["model"] = {"folder": a.model}
    # sha256 of the folder's files (writer.json aside): the test re-writes the folder and checks these first
    out["model_files"] = {f: hashlib.sha256(open(os.path.join(a.model, f), "rb").read()).hexdigest()
                          for f in sorted(os.listdir(a.model)) if f != "writer.json"}
    out["case"] = a.case
    out["attn_implementation"] = a.attn
    out["padding_side_option"] = a.padding_side
    out["versions"] = {"torch": torch.__version__, "transformers": transformers.__version__}
    text = json.dumps(out, indent=1, allow_nan=False)
    if a.out:
        with open(a.out, "w", encoding="utf-8") as f:
            f.write(text + "\n")
    else:
        print(text)


if __name__ == "__main__":
    main()
