/**
 * Training inside the backbone, per step (forward + backward + AdamW on head and trained weights):
 * LoRA (rank 8 on qkv), bottleneck adapters (rank 64) and end-to-end finetuning of a ViT-Ti-width
 * encoder (width 192, 4 blocks, 3 heads, 2 x 16 x 16 tubelets) on 8 x 64 x 64 clips (64 tokens), batch 8,
 * with an attentive-pooler head over 10 classes. vfmkit (tfjs wasm, 1 thread; clips in, patchify
 * included) vs the same model in PyTorch (Debian torch + OpenBLAS, 2 threads; patches in).
 *
 *   npm run bench:adapt -w @vfmkit/probes
 */
import { spawnSync } from 'node:child_process';
import { describeMachine, markdownTable, medianMs, Rng } from '@vfmkit/core';
import { initBackend } from '@vfmkit/nn';
import { decodeVariant } from '@vfmkit/vit-encoder';
import { VitModel } from '@vfmkit/vit-encoder/tfjs';
import { adaptBackbone } from '../src/adaptations/adapt-backbone';
import type { AdaptationConfigInput } from '../src/adaptations/config';
import { trainAdapted } from '../src/adaptations/train-adapted';
import { ProbeHead } from '../src/heads/probe-head';

const [B, T, S, D, L, H, M, C, STEPS] = [8, 8, 64, 192, 4, 3, 768, 10, 5];
const N = (T / 2) * (S / 16) * (S / 16);
const backend = await initBackend({ log: null });
const config = decodeVariant('tiny/16', { depth: L, frames: T, imageSize: [S, S] });
const rng = new Rng(0);
const clips = {
  data: Float32Array.from({ length: B * 2 * T * S * S * 3 }, () => rng.uniform()),
  shape: [B * 2, T, S, S, 3] as const,
};
const labels = { data: Int32Array.from({ length: B * 2 }, () => rng.int(C)), shape: [B * 2, 1] };
const methods: { label: string; torch: string; adaptation: AdaptationConfigInput }[] = [
  {
    label: 'LoRA r=8 (qkv)',
    torch: 'lora',
    adaptation: { method: 'adapter', kind: 'lora', rank: 8, placement: ['qkv'] },
  },
  {
    label: 'bottleneck r=64',
    torch: 'bottleneck',
    adaptation: { method: 'adapter', kind: 'bottleneck', rank: 64 },
  },
  { label: 'end-to-end finetune', torch: 'finetune', adaptation: { method: 'e2e' } },
];

const torchPeer = (method: string) => `
import time, torch, torch.nn as nn, torch.nn.functional as F
torch.set_num_threads(2); torch.manual_seed(0)
B, N, D, L, H, M, C, STEPS, P = ${B}, ${N}, ${D}, ${L}, ${H}, ${M}, ${C}, ${STEPS}, 2 * 16 * 16 * 3
METHOD = '${method}'
class LoraLinear(nn.Linear):
    def __init__(s, i, o, r):
        super().__init__(i, o); s.A = nn.Parameter(torch.randn(r, i) / i ** 0.5); s.B = nn.Parameter(torch.zeros(o, r))
    def forward(s, x): return super().forward(x) + (x @ s.A.t()) @ s.B.t()
class Block(nn.Module):
    def __init__(s):
        super().__init__()
        s.norm1 = nn.LayerNorm(D, eps=1e-6); s.norm2 = nn.LayerNorm(D, eps=1e-6)
        s.qkv = LoraLinear(D, 3 * D, 8) if METHOD == 'lora' else nn.Linear(D, 3 * D)
        s.proj = nn.Linear(D, D); s.fc1 = nn.Linear(D, M); s.fc2 = nn.Linear(M, D)
        if METHOD == 'bottleneck':
            s.down = nn.Linear(D, 64); s.up = nn.Linear(64, D); nn.init.zeros_(s.up.weight)
    def forward(s, x):
        b = x.shape[0]
        q, k, v = s.qkv(s.norm1(x)).view(b, N, 3, H, D // H).permute(2, 0, 3, 1, 4)
        a = ((q @ k.transpose(-1, -2)) / (D // H) ** 0.5).softmax(-1) @ v
        x = x + s.proj(a.transpose(1, 2).reshape(b, N, D))
        m = s.fc2(F.gelu(s.fc1(s.norm2(x))))
        if METHOD == 'bottleneck': m = m + s.up(F.gelu(s.down(m)))
        return x + m
class Pool(nn.Module):
    def __init__(s):
        super().__init__()
        s.fn = nn.LayerNorm(D); s.latent = nn.Parameter(torch.randn(1, 1, D) * D ** -0.5)
        s.q = nn.Linear(D, D); s.kv = nn.Linear(D, 2 * D); s.proj = nn.Linear(D, D)
        s.norm = nn.LayerNorm(D); s.mlp = nn.Sequential(nn.Linear(D, 4 * D), nn.GELU(), nn.Linear(4 * D, D)); s.head = nn.Linear(D, C)
    def forward(s, x):
        b = x.shape[0]; x = s.fn(x)
        q = s.q(s.latent.expand(b, -1, -1)).view(b, 1, 4, D // 4).transpose(1, 2)
        k, v = s.kv(x).view(b, N, 2, 4, D // 4).permute(2, 0, 3, 1, 4)
        a = (q @ k.transpose(-1, -2) / (D // 4) ** 0.5).softmax(-1) @ v
        y = s.proj(a.transpose(1, 2).reshape(b, 1, D)); y = y + s.mlp(s.norm(y))
        return s.head(y[:, 0])
class Model(nn.Module):
    def __init__(s):
        super().__init__()
        s.patch = nn.Linear(P, D); s.pos = nn.Parameter(torch.zeros(N, D)); s.blocks = nn.ModuleList([Block() for _ in range(L)])
        s.norm = nn.LayerNorm(D, eps=1e-6); s.pool = Pool()
    def forward(s, x):
        x = s.patch(x) + s.pos
        for b in s.blocks: x = b(x)
        return s.pool(s.norm(x))
m = Model()
for n, p in m.named_parameters():
    p.requires_grad = n.startswith('pool.') or METHOD == 'finetune' or (METHOD == 'lora' and n.split('.')[-1] in ('A', 'B')) or (METHOD == 'bottleneck' and ('.down.' in n or '.up.' in n))
params = [p for p in m.parameters() if p.requires_grad]
opt = torch.optim.AdamW(params, 1e-3, weight_decay=1e-4)
x = torch.rand(2 * B, N, P); y = torch.randint(0, C, (2 * B,))
def run():
    for s in range(STEPS):
        idx = torch.randperm(2 * B)[:B]
        loss = F.cross_entropy(m(x[idx]), y[idx]); opt.zero_grad(); loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0); opt.step()
run(); ts = []
for _ in range(3):
    t = time.perf_counter(); run(); ts.append((time.perf_counter() - t) * 1000 / STEPS)
print(sorted(ts)[1], sum(p.numel() for p in params))
`;
const env = { ...process.env };
delete env.OPENBLAS_CORETYPE;
delete env.OPENBLAS_L2_SIZE;
const py = (code: string) => {
  const r = spawnSync('/usr/bin/python3', ['-c', code], { env, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout.trim().split(/\s+/).map(Number);
};

const rows: (string | number)[][] = [];
for (const m of methods) {
  const model = VitModel.create(config, 1);
  const head = ProbeHead.create({ kind: 'attentive', inputWidth: D, tokens: N, outputs: C, heads: 4 }, 2);
  adaptBackbone(model, m.adaptation, 3);
  const opts = { loss: 'softmax-cross-entropy', steps: STEPS, batchSize: B } as const;
  const warm = trainAdapted(model, head, clips, labels, { ...opts, steps: 1 }, 4);
  const ours = (await medianMs(() => trainAdapted(model, head, clips, labels, opts, 5), 3, 0)) / STEPS;
  const [torchMs, torchParams] = py(torchPeer(m.torch));
  rows.push([
    m.label,
    warm.trainableParams.toLocaleString('en-US'),
    torchParams.toLocaleString('en-US'),
    ours.toFixed(0),
    torchMs.toFixed(0),
    (ours / torchMs).toFixed(2),
  ]);
  head.dispose();
  model.dispose();
}
console.log(
  `Training step inside the backbone, width ${D}, ${L} blocks, ${N} tokens (${T} x ${S} x ${S} clips), batch ${B}, attentive head, ${C} classes.\n`,
);
console.log(
  markdownTable(
    [
      'method',
      'trainable params (vfmkit)',
      'trainable params (torch)',
      `vfmkit ms/step (tfjs ${backend.backend})`,
      'PyTorch ms/step (2 threads)',
      'ratio',
    ],
    rows,
  ),
);
console.log(`\nMachine: ${describeMachine()}`);
