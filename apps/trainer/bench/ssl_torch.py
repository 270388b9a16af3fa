"""PyTorch peer of the trainer's `simclr` and `dino` recipe steps (@vfmkit/ssl): a pre-norm video ViT
over all tokens of each view, final layer norm, mean pooling, an MLP projector (linear -> layer norm ->
GELU, last layer linear), and the method's loss: SimCLR's NT-Xent between two views, or DINO's
cross-entropy against a momentum teacher's centred, sharpened outputs (then the EMA and center updates).
AdamW. Prints the median ms per step as JSON. Used by ssl-steps.ts only."""
import copy
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
B, V, T, S = cfg["batch"], cfg["views"], cfg["frames"], cfg["size"]
tt, p = cfg["tubelet"], cfg["patch"]
D, depth, heads, mlp = cfg["width"], cfg["depth"], cfg["heads"], cfg["mlp"]
gt, gh = T // tt, S // p
N = gt * gh * gh
dim = tt * p * p * 3


class Net(nn.Module):
    """Encoder + projector."""

    def __init__(self):
        super().__init__()
        self.embed = nn.Linear(dim, D)
        self.pos = nn.Parameter(torch.zeros(1, N, D))
        self.blocks = nn.ModuleList([Block(D, heads, mlp) for _ in range(depth)])
        self.norm = nn.LayerNorm(D, eps=1e-6)
        layers, hidden, out, d_in = [], cfg["hidden"], cfg["out"], D
        for i in range(cfg["layers"]):
            last = i == cfg["layers"] - 1
            layers.append(nn.Linear(d_in, out if last else hidden))
            if not last:
                layers += [nn.LayerNorm(hidden, eps=1e-5), nn.GELU()]
            d_in = hidden
        self.projector = nn.Sequential(*layers)

    def forward(self, patches):
        x = self.embed(patches) + self.pos
        for blk in self.blocks:
            x = blk(x)
        return self.projector(self.norm(x).mean(1))


def nt_xent(z1, z2, tau):
    z = F.normalize(torch.cat([z1, z2]), dim=1)
    sim = z @ z.t() / tau
    n = z1.shape[0]
    sim.fill_diagonal_(float("-inf"))
    labels = torch.cat([torch.arange(n, 2 * n), torch.arange(0, n)])
    return F.cross_entropy(sim, labels)


model = Net()
teacher = copy.deepcopy(model).requires_grad_(False)
center = torch.zeros(1, cfg["out"])
opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.05, betas=(0.9, 0.95))
clips = torch.rand(B * V, T, S, S, 3)
patches = clips.reshape(B * V, gt, tt, gh, p, gh, p, 3).permute(0, 1, 3, 5, 2, 4, 6, 7).reshape(B * V, N, dim)
views = patches.reshape(B, V, N, dim)
times = []
for i in range(cfg["warmup"] + cfg["steps"]):
    t0 = time.perf_counter()
    z = model(views.reshape(B * V, N, dim)).reshape(B, V, -1)
    if cfg["method"] == "simclr":
        loss = nt_xent(z[:, 0], z[:, 1], 0.1)
    else:
        with torch.no_grad():
            t = teacher(views.reshape(B * V, N, dim)).reshape(B, V, -1)
        probs = F.softmax((t - center) / 0.04, dim=-1)
        logp = F.log_softmax(z / 0.1, dim=-1)
        pairs = [(a, b) for a in range(V) for b in range(V) if a != b]
        loss = sum(-(probs[:, a] * logp[:, b]).sum(-1).mean() for a, b in pairs) / len(pairs)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if cfg["method"] == "dino":
        with torch.no_grad():
            for pt, ps in zip(teacher.parameters(), model.parameters()):
                pt.mul_(0.996).add_(ps.detach(), alpha=0.004)
            center = 0.9 * center + 0.1 * t.reshape(B * V, -1).mean(0, keepdim=True)
    if i >= cfg["warmup"]:
        times.append((time.perf_counter() - t0) * 1000)
times.sort()
print(json.dumps({"ms": times[len(times) // 2], "loss": loss.item()}))
