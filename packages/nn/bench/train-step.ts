/**
 * One training step (forward + backward + AdamW) of a ViT-S/16 block stack: 12 blocks, width 384,
 * 6 heads, batch 4 x 157 visible tokens (MAE with 90% masking on 16 x 224 x 224), MSE loss.
 * tfjs wasm in one thread and with 1 and 2 data-parallel workers, against the same step in PyTorch
 * (Debian python3-torch, OpenBLAS, 2 threads) in the same run.
 *
 *   npm run bench -w @vfmkit/nn          (VFM_BENCH_REPS=3 by default)
 */
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { describeMachine, markdownTable, medianMs, Rng } from '@vfmkit/core';
import { AdamW, DataParallel, initBackend, trainStep } from '../src/index';
import { buildModel, type StackConfig } from './vit-stack-model';

const reps = Number(process.env.VFM_BENCH_REPS ?? 3);
const config: StackConfig = { depth: 12, dim: 384, heads: 6, seed: 0 };
const [B, N, D] = [4, 157, 384];
const rng = new Rng(1);
const x = Float32Array.from({ length: B * N * D }, () => rng.normal());
const target = Float32Array.from({ length: B * N * D }, () => rng.normal());
const batch = { x: { data: x, shape: [B, N, D] }, target: { data: target, shape: [B, N, D] } };
// Forward FLOPs (2 per multiply-add): 24 N D^2 per block for the projections and MLP, 4 N^2 D for attention.
const fwdFlops = config.depth * B * (24 * N * D * D + 4 * N * N * D);
const stepFlops = 3 * fwdFlops;

const choice = await initBackend();
const rows: (string | number)[][] = [];

const model = buildModel(config);
const opt = new AdamW(model.params, { lr: 1e-4, weightDecay: 0.05 });
const oneThread = await medianMs(() => trainStep(model, batch, opt), reps, 1);
opt.dispose();

const dpTimes: number[] = [];
for (const workers of [1, 2]) {
  const dp = await DataParallel.create({
    module: new URL('./vit-stack-model.ts', import.meta.url),
    config,
    workers,
    optimizer: { lr: 1e-4, weightDecay: 0.05 },
  });
  dpTimes.push(await medianMs(() => dp.step(batch), reps, 1));
  await dp.close();
}

const py = `
import time, torch, torch.nn as nn
torch.set_num_threads(2); torch.manual_seed(0)
B, N, D, H, depth, reps = 4, 157, 384, 6, 12, ${reps}
class Block(nn.Module):
    def __init__(s):
        super().__init__()
        s.norm1 = nn.LayerNorm(D, eps=1e-6); s.qkv = nn.Linear(D, 3 * D); s.proj = nn.Linear(D, D)
        s.norm2 = nn.LayerNorm(D, eps=1e-6); s.fc1 = nn.Linear(D, 4 * D); s.fc2 = nn.Linear(4 * D, D); s.act = nn.GELU()
    def forward(s, x):
        b, n, d = x.shape
        q, k, v = s.qkv(s.norm1(x)).reshape(b, n, 3, H, d // H).permute(2, 0, 3, 1, 4)
        a = ((q * (d // H) ** -0.5) @ k.transpose(-2, -1)).softmax(-1)
        x = x + s.proj((a @ v).transpose(1, 2).reshape(b, n, d))
        return x + s.fc2(s.act(s.fc1(s.norm2(x))))
model = nn.Sequential(*[Block() for _ in range(depth)], nn.LayerNorm(D, eps=1e-6))
decay = [p for n, p in model.named_parameters() if p.ndim > 1]; no = [p for n, p in model.named_parameters() if p.ndim <= 1]
opt = torch.optim.AdamW([{'params': decay, 'weight_decay': 0.05}, {'params': no, 'weight_decay': 0.0}], lr=1e-4)
x = torch.randn(B, N, D); t = torch.randn(B, N, D)
def step():
    opt.zero_grad(); loss = ((model(x) - t) ** 2).mean(); loss.backward(); opt.step()
step(); times = []
for _ in range(reps):
    t0 = time.perf_counter(); step(); times.append((time.perf_counter() - t0) * 1000)
times.sort(); print(times[len(times) // 2])
`;
const env = { ...process.env };
delete env.OPENBLAS_CORETYPE;
delete env.OPENBLAS_L2_SIZE;
const torchMs = Number(execFileSync('/usr/bin/python3', ['-c', py], { env, encoding: 'utf8' }).trim());

const gflops = (ms: number) => `${(stepFlops / ms / 1e6).toFixed(1)} GFLOP/s`;
for (const [what, ms] of [
  [`tfjs ${choice.option}, 1 thread (trainStep)`, oneThread],
  ['tfjs DataParallel, 1 worker', dpTimes[0]],
  ['tfjs DataParallel, 2 workers', dpTimes[1]],
] as const) {
  rows.push([
    what,
    `${ms.toFixed(0)} ms (${gflops(ms)})`,
    `${torchMs.toFixed(0)} ms (${gflops(torchMs)})`,
    (ms / torchMs).toFixed(2),
  ]);
}
const load = loadavg()
  .map((l) => l.toFixed(1))
  .join(', ');
console.log(
  `Load average at the end: ${load} (2 cores: above ~2 every figure is inflated, PyTorch's threaded BLAS most)`,
);
console.log(
  `ViT-S/16 block stack training step (12 blocks, D=384, 6 heads, B=4, N=157; ${(stepFlops / 1e9).toFixed(1)} GFLOP/step), median of ${reps}; ${describeMachine()}\n`,
);
console.log(
  markdownTable(
    ['vfmkit', 'ms/step', 'peer: PyTorch 1.13 + OpenBLAS, 2 threads', 'time / PyTorch time'],
    rows,
  ),
);
