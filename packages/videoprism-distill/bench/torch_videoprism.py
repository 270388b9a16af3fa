"""PyTorch peer of @vfmkit/videoprism-distill's stage-1 model (ContrastiveModel): the same video tower
(ImageNet pixel normalisation, tubelet patchify, linear patch embedding + learned positions, the tube
drop's visible tokens gathered, pre-norm ViT blocks with exact GELU, final layer norm, one-query
attention pooling with a residual MLP), the same text transformer (token + learned position embedding,
pre-norm blocks with padded keys biased by -1e9, final norm, masked mean pooling, projection) and the
same loss (L2-normalised cosine / clamped temperature, symmetric cross-entropy), read from the same
safetensors weights. Used by step-time.ts and embed-throughput.ts only.

Usage: torch_videoprism.py step  WEIGHTS BATCH_DIR CONFIG_JSON   -> {"ms": [...], "loss0": ...}
       torch_videoprism.py embed WEIGHTS BATCH_DIR CONFIG_JSON   -> {"video1": ms, ..., "emb": {...}}
CONFIG_JSON: {"threads", "shards" (the CLIP loss per shard of B / shards, as nn's DataParallel), "B", "T", "S", "tubelet": [t, p, p], "width", "depth", "heads", "textWidth",
"textDepth", "textHeads", "L", "warmup", "steps", "reps", "batches": [1, 8]}.
"""
import json
import math
import os
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../scripts/python"))
from blas_check import check_blas  # noqa: E402  first: sets OMP_WAIT_POLICY=PASSIVE before torch loads

import numpy as np
import torch
import torch.nn.functional as F


check_blas(torch)
mode, weights_path, batch_dir = sys.argv[1], sys.argv[2], sys.argv[3]
cfg = json.loads(sys.argv[4])
torch.set_num_threads(cfg["threads"])
print(f"[peer] torch threads {torch.get_num_threads()}", file=sys.stderr)

with open(weights_path, "rb") as f:
    n = struct.unpack("<Q", f.read(8))[0]
    header = json.loads(f.read(n))
    blob = f.read()
P = {}
for name, info in header.items():
    if name == "__metadata__":
        continue
    a, b = info["data_offsets"]
    t = torch.from_numpy(np.frombuffer(blob[a:b], dtype=np.float32).reshape(info["shape"]).copy())
    P[name] = torch.nn.Parameter(t)

B, T, S = cfg["B"], cfg["T"], cfg["S"]
tt, p, _ = cfg["tubelet"]
D, heads = cfg["width"], cfg["heads"]
gt, gh = T // tt, S // p
N = gt * gh * gh
PDIM = tt * p * p * 3
MEAN = torch.tensor([0.485, 0.456, 0.406])
STD = torch.tensor([0.229, 0.224, 0.225])
EPS = 1e-6


def lin(x, name):
    return F.linear(x, P[name + ".weight"], P[name + ".bias"])


def ln(x, name):
    return F.layer_norm(x, (x.shape[-1],), P[name + ".weight"], P[name + ".bias"], EPS)


def attend(q, k, v, h, bias=None):
    """q [B, Nq, D], k/v [B, Nk, D] -> [B, Nq, D]; bias [B, 1, 1, Nk] added to the scores."""
    b, nq, d = q.shape
    nk = k.shape[1]
    q = q.reshape(b, nq, h, d // h).transpose(1, 2)
    k = k.reshape(b, nk, h, d // h).transpose(1, 2)
    v = v.reshape(b, nk, h, d // h).transpose(1, 2)
    a = (q @ k.transpose(-2, -1)) * (d // h) ** -0.5
    if bias is not None:
        a = a + bias
    return (a.softmax(-1) @ v).transpose(1, 2).reshape(b, nq, d)


def block(x, name, h, bias=None):
    y = ln(x, name + ".norm1")
    q, k, v = lin(y, name + ".attn.qkv").chunk(3, dim=-1)
    x = x + lin(attend(q, k, v, h, bias), name + ".attn.proj")
    return x + lin(F.gelu(lin(ln(x, name + ".norm2"), name + ".mlp.fc1")), name + ".mlp.fc2")


def video_embed(clips, visible=None, prefix="video."):
    """clips [B, T, S, S, 3] in [0, 1] -> [B, D] (not normalised)."""
    b = clips.shape[0]
    x = (clips - MEAN) / STD
    x = x.reshape(b, gt, tt, gh, p, gh, p, 3).permute(0, 1, 3, 5, 2, 4, 6, 7).reshape(b, N, PDIM)
    x = lin(x, prefix + "patch_embed") + P[prefix + "pos_embed"]
    if visible is not None:
        x = torch.gather(x, 1, visible[..., None].expand(-1, -1, D))
    for i in range(cfg["depth"]):
        x = block(x, f"{prefix}blocks.{i}", heads)
    x = ln(x, prefix + "norm")
    q = lin(P[prefix + "pool.latent"].expand(b, 1, D), prefix + "pool.q")
    k, v = lin(x, prefix + "pool.kv").chunk(2, dim=-1)
    y = lin(attend(q, k, v, heads), prefix + "pool.proj")
    y = y + lin(F.gelu(lin(ln(y, prefix + "pool.norm"), prefix + "pool.mlp.fc1")), prefix + "pool.mlp.fc2")
    return y[:, 0]


def text_embed(ids, mask, prefix="text."):
    """ids [B, L] int64, mask [B, L] float32 -> [B, D] (not normalised)."""
    b, l = ids.shape
    x = F.embedding(ids, P[prefix + "token_embed.weight"]) + P[prefix + "pos_embed"][:l]
    bias = ((1 - mask) * -1e9).reshape(b, 1, 1, l)
    for i in range(cfg["textDepth"]):
        x = block(x, f"{prefix}blocks.{i}", cfg["textHeads"], bias)
    x = ln(x, prefix + "norm")
    m = mask[..., None]
    pooled = (x * m).sum(1) / mask.sum(1, keepdim=True).clamp_min(1e-9)
    return lin(pooled, prefix + "proj")


def load(name, dtype, shape):
    return torch.from_numpy(np.fromfile(os.path.join(batch_dir, name), dtype=dtype).reshape(shape).copy())


if mode == "step":
    L, K = cfg["L"], cfg["K"]
    clips = load("clips.f32", np.float32, (B, T, S, S, 3))
    ids = load("ids.i32", np.int32, (B, L)).long()
    mask = load("mask.f32", np.float32, (B, L))
    visible = load("visible.i32", np.int32, (B, K)).long()
    params = list(P.values())
    decay = [q for q in params if q.ndim >= 2]
    no_decay = [q for q in params if q.ndim < 2]
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": 0.01}, {"params": no_decay, "weight_decay": 0.0}], lr=1e-4
    )
    lo, hi = math.log(0.01), math.log(1.0)
    eye = torch.eye(B)
    times, loss0, stats = [], None, None
    for i in range(cfg["warmup"] + cfg["steps"]):
        t0 = time.perf_counter()
        v = video_embed(clips, visible)
        t = text_embed(ids, mask)
        vn, tn = F.normalize(v, dim=-1), F.normalize(t, dim=-1)
        logt = P["log_temperature"].clamp(lo, hi)
        logits = (vn @ tn.t()) * torch.exp(-logt)
        # nn's DataParallel: each worker's shard is its own set of negatives, the loss the shards' mean
        sh = B // cfg.get("shards", 1)
        labels = torch.arange(sh)
        loss = sum(
            F.cross_entropy(g := logits[i : i + sh, i : i + sh], labels) + F.cross_entropy(g.t(), labels)
            for i in range(0, B, sh)
        ) / (2 * (B // sh))
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, float("inf"))  # the gradient norm nn's trainStep reports
        opt.step()
        with torch.no_grad():
            P["log_temperature"].clamp_(lo, hi)
            cos = vn @ tn.t()
            stats = [
                torch.exp(logt).item(),
                (cos * eye).sum().item() / B,
                (cos * (1 - eye)).sum().item() / (B * (B - 1)),
                vn.std(0).mean().item(),
                tn.std(0).mean().item(),
            ]
        if i == 0:
            loss0 = loss.item()
        if i >= cfg["warmup"]:
            times.append((time.perf_counter() - t0) * 1000)
    print(json.dumps({"ms": times, "loss0": loss0, "loss": loss.item()}))
elif mode == "embed":
    L, reps = cfg["L"], cfg["reps"]
    out, emb = {}, {}
    with torch.inference_mode():
        for b in cfg["batches"]:
            clips = load(f"clips{b}.f32", np.float32, (b, T, S, S, 3))
            ids = load(f"ids{b}.i32", np.int32, (b, L)).long()
            mask = load(f"mask{b}.f32", np.float32, (b, L))
            for kind, fn in (
                ("video", lambda: F.normalize(video_embed(clips), dim=-1)),
                ("text", lambda: F.normalize(text_embed(ids, mask), dim=-1)),
            ):
                e = fn()  # warm-up
                times = []
                for _ in range(reps):
                    t0 = time.perf_counter()
                    e = fn()
                    times.append((time.perf_counter() - t0) * 1000)
                times.sort()
                out[f"{kind}{b}"] = times[len(times) // 2]
                emb[f"{kind}{b}"] = e.reshape(-1).tolist()
    print(json.dumps({"ms": out, "emb": emb}))
else:
    sys.exit(f"unknown mode {mode}")
