"""PyTorch peer of the trainer's `mae` recipe step (VideoMAE): tubelet embedding, pre-norm ViT on the
visible tokens, a narrow decoder over visible + mask tokens, per-patch normalised pixel targets, MSE on
the decoded tokens, AdamW. Prints the median ms per step as JSON. Used by mae-steps.ts only."""
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../../scripts/python"))
from blas_check import check_blas  # noqa: E402  first: sets OMP_WAIT_POLICY=PASSIVE before torch loads

import torch
import torch.nn as nn
import torch.nn.functional as F
from vit_block import Block

cfg = json.loads(sys.argv[1])


check_blas(torch)
torch.set_num_threads(cfg["threads"])
torch.manual_seed(0)
B, T, S = cfg["batch"], cfg["frames"], cfg["size"]
tt, p = cfg["tubelet"], cfg["patch"]
D, depth, heads, mlp = cfg["width"], cfg["depth"], cfg["heads"], cfg["mlp"]
dD, ddepth, dheads = cfg["dec_width"], cfg["dec_depth"], cfg["dec_heads"]
gt, gh = T // tt, S // p
N = gt * gh * gh
dim = tt * p * p * 3


class Mae(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Linear(dim, D)
        self.pos = nn.Parameter(torch.zeros(1, N, D))
        self.blocks = nn.ModuleList([Block(D, heads, mlp) for _ in range(depth)])
        self.norm = nn.LayerNorm(D, eps=1e-6)
        self.dec_embed = nn.Linear(D, dD)
        self.mask_token = nn.Parameter(torch.zeros(1, 1, dD))
        self.dec_pos = torch.randn(1, N, dD)
        self.dec_blocks = nn.ModuleList([Block(dD, dheads, 4 * dD) for _ in range(ddepth)])
        self.dec_norm = nn.LayerNorm(dD, eps=1e-6)
        self.head = nn.Linear(dD, dim)

    def forward(self, patches, keep, decode):
        x = self.embed(patches) + self.pos
        x = torch.gather(x, 1, keep[..., None].expand(-1, -1, D))
        for blk in self.blocks:
            x = blk(x)
        x = self.dec_embed(self.norm(x))
        pos = self.dec_pos.expand(B, -1, -1)
        vis = x + torch.gather(pos, 1, keep[..., None].expand(-1, -1, dD))
        holes = torch.gather(pos, 1, decode[..., None].expand(-1, -1, dD)) + self.mask_token
        y = torch.cat([vis, holes], 1)
        for blk in self.dec_blocks:
            y = blk(y)
        return self.head(self.dec_norm(y[:, keep.shape[1]:]))


model = Mae()
opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.05, betas=(0.9, 0.95))
clips = torch.rand(B, T, S, S, 3)
# tubelets (dt, dy, dx, c) t-major, as vfmkit's patchify
patches = clips.reshape(B, gt, tt, gh, p, gh, p, 3).permute(0, 1, 3, 5, 2, 4, 6, 7).reshape(B, N, dim)
hidden_per_slice = round(cfg["ratio"] * gh * gh)
keep, decode = [], []
for b in range(B):
    perm = torch.randperm(gh * gh)
    vis, hid = perm[hidden_per_slice:].sort().values, perm[:hidden_per_slice].sort().values
    keep.append(torch.cat([vis + t * gh * gh for t in range(gt)]))
    decode.append(torch.cat([hid + t * gh * gh for t in range(gt)]))
keep, decode = torch.stack(keep), torch.stack(decode)
target = torch.gather(patches, 1, decode[..., None].expand(-1, -1, dim))
mean, var = target.mean(-1, keepdim=True), target.var(-1, unbiased=True, keepdim=True)
target = (target - mean) / (var + 1e-6).sqrt()
times = []
for i in range(cfg["warmup"] + cfg["steps"]):
    t0 = time.perf_counter()
    loss = F.mse_loss(model(patches, keep, decode), target)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if i >= cfg["warmup"]:
        times.append((time.perf_counter() - t0) * 1000)
times.sort()
print(json.dumps({"ms": times[len(times) // 2], "loss": loss.item()}))
