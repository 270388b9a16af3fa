/**
 * Probe cost on this machine, against a peer in the same run: training an attentive-pooler probe on
 * cached features (ViT-S/16-like readout of a 16 x 112 x 112 clip: 8 x 7 x 7 = 392 tokens of width 384,
 * 10 classes, batch 32): vfmkit (tfjs wasm, 1 thread) vs the same head in PyTorch (Debian torch +
 * OpenBLAS, 2 threads). Then the same training with the features read from a `FeatureCache`'s shards on
 * disk (`fill` + `open`, shards of 8 clips), against the in-memory arrays in the same run. (TAP-Vid metric
 * timings moved with the metrics: `npm run bench -w @vfmkit/metrics`.)
 *
 *   npm run bench -w @vfmkit/probes
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeMachine, markdownTable, medianMs, Rng } from '@vfmkit/core';
import { initBackend } from '@vfmkit/nn';
import { FeatureCache } from '../src/cache/feature-cache';
import type { Features } from '../src/cache/feature-rows';
import { ProbeHead, trainProbe } from '../src/tfjs/index';

const [B, N, D, C, STEPS] = [32, 392, 384, 10, 20];
const backend = await initBackend({ log: null });
const rng = new Rng(0);
const features = Float32Array.from({ length: B * 4 * N * D }, () => rng.normal());
const labels = Int32Array.from({ length: B * 4 }, () => rng.int(C));
const head = ProbeHead.create({ kind: 'attentive', inputWidth: D, tokens: N, outputs: C, heads: 6 }, 1);
trainProbe(
  head,
  { data: features, shape: [B * 4, N, D] },
  { data: labels, shape: [B * 4, 1] },
  { loss: 'softmax-cross-entropy', steps: 2, batchSize: B },
  1,
);
const train = (x: Features) =>
  medianMs(
    () =>
      trainProbe(
        head,
        x,
        { data: labels, shape: [B * 4, 1] },
        { loss: 'softmax-cross-entropy', steps: STEPS, batchSize: B },
        2,
      ),
    3,
    0,
  );
const ours = await train({ data: features, shape: [B * 4, N, D] });
const dir = mkdtempSync(join(tmpdir(), 'vfm-probe-bench-'));
const cache = new FeatureCache(dir);
const key = { encoderHash: '0123456789abcdef', dataKey: 'bench' };
const per = N * D;
await cache.fill(key, B * 4, 8, (start, n) => ({
  tokens: { data: features.slice(start * per, (start + n) * per), shape: [n, N, D] },
}));
const fromShards = await train((await cache.open(key)).tokens);
rmSync(dir, { recursive: true, force: true });
const torchPeer = `
import time, torch, torch.nn as nn
torch.set_num_threads(2); torch.manual_seed(0)
B, N, D, C, H, STEPS = ${B}, ${N}, ${D}, ${C}, 6, ${STEPS}
class Pool(nn.Module):
    def __init__(s):
        super().__init__()
        s.fn = nn.LayerNorm(D); s.latent = nn.Parameter(torch.randn(1, 1, D) * D ** -0.5)
        s.q = nn.Linear(D, D); s.kv = nn.Linear(D, 2 * D); s.proj = nn.Linear(D, D)
        s.norm = nn.LayerNorm(D); s.mlp = nn.Sequential(nn.Linear(D, 4 * D), nn.GELU(), nn.Linear(4 * D, D)); s.head = nn.Linear(D, C)
    def forward(s, x):
        b = x.shape[0]; x = s.fn(x)
        q = s.q(s.latent.expand(b, -1, -1)).view(b, 1, H, D // H).transpose(1, 2)
        k, v = s.kv(x).view(b, N, 2, H, D // H).permute(2, 0, 3, 1, 4)
        a = (q @ k.transpose(-1, -2) / (D // H) ** 0.5).softmax(-1) @ v
        y = s.proj(a.transpose(1, 2).reshape(b, 1, D)); y = y + s.mlp(s.norm(y))
        return s.head(y[:, 0])
m = Pool(); opt = torch.optim.AdamW(m.parameters(), 1e-3, weight_decay=1e-4)
x = torch.randn(B * 4, N, D); y = torch.randint(0, C, (B * 4,))
def run():
    for s in range(STEPS):
        idx = torch.randperm(B * 4)[:B]
        loss = nn.functional.cross_entropy(m(x[idx]), y[idx]); opt.zero_grad(); loss.backward()
        torch.nn.utils.clip_grad_norm_(m.parameters(), 1.0); opt.step()
run(); ts = []
for _ in range(3):
    t = time.perf_counter(); run(); ts.append((time.perf_counter() - t) * 1000)
print(sorted(ts)[1])
`;
const env = { ...process.env };
delete env.OPENBLAS_CORETYPE;
delete env.OPENBLAS_L2_SIZE;
const py = (code: string, input?: string) => {
  const r = spawnSync('/usr/bin/python3', ['-c', code], { env, encoding: 'utf8', input, maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout.trim();
};
const torchMs = Number(py(torchPeer));

console.log(`Probe benchmarks; ${describeMachine()}; tfjs backend: ${backend.backend}\n`);
console.log(
  markdownTable(
    ['what', 'vfmkit', 'peer', 'peer figure', 'vfmkit / peer'],
    [
      [
        `attentive probe training, ${STEPS} steps, batch ${B}, [${N}, ${D}] features, ${head.trainableParams} params (${head.cost().trainableGflops.toFixed(3)} GFLOPs/clip fwd)`,
        `${(ours / STEPS).toFixed(1)} ms/step (tfjs ${backend.backend}, 1 thread)`,
        'PyTorch 1.13 + OpenBLAS, 2 threads',
        `${(torchMs / STEPS).toFixed(1)} ms/step`,
        (ours / torchMs).toFixed(2),
      ],
      [
        "the same, features read from the feature cache's shards on disk (FeatureCache.open, shards of 8 clips)",
        `${(fromShards / STEPS).toFixed(1)} ms/step`,
        'the same training on the arrays in memory (row above)',
        `${(ours / STEPS).toFixed(1)} ms/step`,
        (fromShards / ours).toFixed(2),
      ],
    ],
  ),
);
head.dispose();
