"""PyTorch peer of @vfmkit/tokenizer's model: the same architecture (encoder, FSQ/LFQ, scorer, decoder)
read from the same safetensors checkpoint. Usage: torch_tokenizer.py CKPT CLIPS_F32 B T H W REPS [train]
Prints one JSON line: median encode ms and the latents / priorities / ids of the clips, or with `train`
the median ms of a training step (the tfjs loss: full + budget MSE through a perturbed top-k; AdamW)."""
import json
import math
import struct
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../scripts/python"))
from blas_check import check_blas  # noqa: E402  first: sets OMP_WAIT_POLICY=PASSIVE before torch loads

import numpy as np
import torch
import torch.nn.functional as F


check_blas(torch)
torch.set_num_threads(2)
ckpt, clips_path, B, T, H, W, reps = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:8])

with open(ckpt, "rb") as f:
    n = struct.unpack("<Q", f.read(8))[0]
    header = json.loads(f.read(n))
    data = f.read()
cfg = json.loads(header["__metadata__"]["vfmkit.tokenizer.config"])
P = {}
for name, info in header.items():
    if name == "__metadata__":
        continue
    a, b = info["data_offsets"]
    P[name] = torch.from_numpy(np.frombuffer(data[a:b], dtype=np.float32).reshape(info["shape"]).copy())


def conv(x, name):
    w = P[name + ".weight"]
    return F.conv3d(x, w, P.get(name + ".bias"), padding=tuple(k // 2 for k in w.shape[2:]))


def res(x, name):
    return x + conv(F.silu(conv(F.silu(x), name + ".conv1")), name + ".conv2")


def s2d(x, f):
    b, c, t, h, w = x.shape
    st, sh, sw = f
    x = x.reshape(b, c, t // st, st, h // sh, sh, w // sw, sw).permute(0, 7, 5, 3, 1, 2, 4, 6)
    return x.reshape(b, c * st * sh * sw, t // st, h // sh, w // sw)


logs = [round(math.log2(f)) for f in cfg["downsample"]]
stages = [[2 if s < l else 1 for l in logs] for s in range(max(logs))]


def encode(clips):  # [B, T, H, W, C] -> latents [B, d, T', H', W']
    h = conv((clips * 2 - 1).permute(0, 4, 1, 2, 3), "encoder.stem")
    for i in range(len(stages) + 1):
        for r in range(cfg["resBlocks"][i]):
            h = res(h, f"encoder.levels.{i}.res.{r}")
        if i < len(stages):
            h = conv(s2d(h, stages[i]), f"encoder.levels.{i}.down")
    return conv(F.silu(h), "encoder.out")


def quantize(z):
    q = cfg["quantizer"]
    if q["kind"] == "fsq":
        L = torch.tensor(q["levels"], dtype=torch.float32).view(1, -1, 1, 1, 1)
        half_l = (L - 1) * (1 - 1e-3) / 2
        offset = torch.where(L % 2 == 1, 0.0, 0.5)
        r = torch.round(torch.tanh(z + torch.tan(offset / half_l)) * half_l - offset)
        hw = torch.floor(L / 2)
        digits = (r + hw).long()
        basis = torch.tensor(np.concatenate(([1], np.cumprod(q["levels"][:-1]))), dtype=torch.long).view(1, -1, 1, 1, 1)
        return r / hw, (digits * basis).sum(1)
    pos = z > 0
    basis = (2 ** torch.arange(z.shape[1])).view(1, -1, 1, 1, 1)
    return torch.where(pos, 1.0, -1.0), (pos.long() * basis).sum(1)


def score(codes):
    h = codes
    for i in range(cfg["scorer"]["layers"]):
        h = F.silu(conv(h, f"scorer.convs.{i}"))
    return conv(h, "scorer.out").reshape(codes.shape[0], -1)


def run(clips):
    z = encode(clips)
    codes, ids = quantize(z)
    return z, ids.reshape(clips.shape[0], -1), score(codes)


def d2s(x, f):
    b, c, t, h, w = x.shape
    st, sh, sw = f
    c //= st * sh * sw
    x = x.reshape(b, sw, sh, st, c, t, h, w).permute(0, 4, 5, 3, 6, 2, 7, 1)
    return x.reshape(b, c, t * st, h * sh, w * sw)


def decode(codes):
    h = conv(codes, "decoder.in")
    for i in range(len(stages), -1, -1):
        for r in range(cfg["resBlocks"][i]):
            h = res(h, f"decoder.levels.{i}.res.{r}")
        if i > 0:
            h = d2s(conv(h, f"decoder.levels.{i}.up"), stages[i - 1])
    return (conv(F.silu(h), "decoder.out") * 0.5 + 0.5).permute(0, 2, 3, 4, 1)


class PerturbedTopk(torch.autograd.Function):
    @staticmethod
    def forward(ctx, s, noise, k, sigma):
        idx = torch.topk(s[:, None, :] + sigma * noise, k, dim=-1).indices
        m = F.one_hot(idx, s.shape[-1]).sum(-2).float()
        ctx.save_for_backward(m, noise)
        ctx.sigma = sigma
        return m.mean(1)

    @staticmethod
    def backward(ctx, dy):
        m, noise = ctx.saved_tensors
        a = (m * dy[:, None, :]).sum(-1, keepdim=True)
        return (a * noise).sum(1) / (noise.shape[1] * ctx.sigma), None, None, None


def fsq_ste(z):
    L = torch.tensor(cfg["quantizer"]["levels"], dtype=torch.float32).view(1, -1, 1, 1, 1)
    half_l = (L - 1) * (1 - 1e-3) / 2
    offset = torch.where(L % 2 == 1, 0.0, 0.5)
    b = torch.tanh(z + torch.tan(offset / half_l)) * half_l - offset
    return (b + (torch.round(b) - b).detach()) / torch.floor(L / 2)


def train_step(clips, opt):
    z = encode(clips)
    codes = fsq_ste(z)
    pr = score(codes.detach())
    n = pr.shape[1]
    k = max(1, round(cfg["budget"] * n))
    noise = torch.randn(clips.shape[0], cfg["topk"]["samples"], n)
    soft = PerturbedTopk.apply(pr, noise, k, cfg["topk"]["sigma"])
    masked = codes * soft.reshape(codes.shape[0], 1, *codes.shape[2:])
    both = decode(torch.cat([codes, masked], 0))
    full, budget = both[: clips.shape[0]], both[clips.shape[0]:]
    loss = cfg["loss"]["full"] * F.mse_loss(full, clips) + cfg["loss"]["budget"] * F.mse_loss(budget, clips)
    opt.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(list(P.values()), 1.0)
    opt.step()
    return float(loss)


clips = torch.from_numpy(np.fromfile(clips_path, dtype=np.float32).reshape(B, T, H, W, 3))
if len(sys.argv) > 8 and sys.argv[8] == "train":
    for v in P.values():
        v.requires_grad_(True)
    opt = torch.optim.AdamW(list(P.values()), lr=1e-3, weight_decay=0.01)
    train_step(clips, opt)
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        train_step(clips, opt)
        times.append((time.perf_counter() - t0) * 1000)
    print(json.dumps({"ms": float(np.median(times)), "torch": torch.__version__}))
    sys.exit(0)
with torch.no_grad():
    run(clips)
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        z, ids, pr = run(clips)
        times.append((time.perf_counter() - t0) * 1000)
print(json.dumps({
    "ms": float(np.median(times)),
    "latents": z.permute(0, 2, 3, 4, 1).reshape(-1).tolist(),
    "ids": ids.reshape(-1).tolist(),
    "priorities": pr.reshape(-1).tolist(),
    "torch": torch.__version__,
}))
