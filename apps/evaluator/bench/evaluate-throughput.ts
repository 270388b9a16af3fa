/**
 * Evaluation costs on synth4d presets at the demo's size (16 x 64 x 64 clips, a nano/16 encoder of
 * width 64 and depth 2: 8 x 4 x 4 = 128 tokens):
 * 1. feature extraction through ONNX Runtime (CPU, 2 threads), clips/s, batch 8, against the same
 *    encoder in PyTorch (Debian torch + OpenBLAS, 2 threads; same weights layout, random init) as the peer;
 * 2. probe training time per task (attentive "frozen" head, 150 steps, batch 16, 64 train clips).
 *
 * `BENCH_TASKS=temporal,spatiotemporal` limits part 2 to those synth4d tasks.
 *
 *   npm run bench -w @vfmkit/evaluator
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeMachine, markdownTable, medianMs, Rng } from '@vfmkit/core';
import { initBackend } from '@vfmkit/nn';
import { synth4dTaskHead } from '@vfmkit/probes';
import { fitTask } from '@vfmkit/probes/tfjs';
import { renderSample, splitSeed, taskConfig } from '@vfmkit/synth4d';
import { decodeVariant, initVitWeights, vitForwardFlops } from '@vfmkit/vit-encoder';
import { VideoEncoder, writeVitOnnx } from '@vfmkit/vit-encoder/onnx';

/**
 * Python prelude, before `import torch`: the shared BLAS guard (scripts/python/blas_check.py; importing it sets
 * OMP_WAIT_POLICY=PASSIVE). `check_blas(torch)` prints torch's BLAS and exits 3 on the reference BLAS (then no
 * ratio is reported).
 */
const BLAS_GUARD_PY = `import sys; sys.path.insert(0, ${JSON.stringify(join(import.meta.dirname, '../../../scripts/python'))})
from blas_check import check_blas`;

const [T, S, B] = [16, 64, 8];
const dir = mkdtempSync(join(tmpdir(), 'vfm-eval-bench-'));
const config = decodeVariant('nano/16', { frames: T, imageSize: [S, S], exposeLayers: [0] });
const onnx = join(dir, 'nano.onnx');
await writeVitOnnx(onnx, config, initVitWeights(config, 0));
const encoder = await VideoEncoder.load(onnx, { device: 'cpu', threads: 2 });
const backend = await initBackend({ log: null });
const clips = Array.from({ length: B }, (_, i) =>
  renderSample(taskConfig('depth', { size: S, frames: T }), splitSeed('train', i)),
);
const batch = new Float32Array(B * T * S * S * 3);
for (const [i, c] of clips.entries()) batch.set(c.rgb, i * T * S * S * 3);
const ortMs = await medianMs(() => encoder.embed({ data: batch, shape: [B, T, S, S, 3] }), 5, 1);
const gflops = vitForwardFlops(config) / 1e9;

// Peer: the same-size ViT forward in PyTorch (patch embedding as a linear layer over tubelets, 2 blocks).
const peer = spawnSync(
  '/usr/bin/python3',
  [
    '-c',
    `
import sys, time
${BLAS_GUARD_PY}
import torch, torch.nn as nn
check_blas(torch)
torch.set_num_threads(2); torch.manual_seed(0)
B, T, S, D, L, H = ${B}, ${T}, ${S}, ${config.width}, ${config.depth}, ${config.heads}
N, P = (T // 2) * (S // 16) ** 2, 2 * 16 * 16 * 3
embed = nn.Linear(P, D); blocks = nn.TransformerEncoder(nn.TransformerEncoderLayer(D, H, ${config.mlpDim}, 0.0, activation='gelu', batch_first=True, norm_first=True), L)
x = torch.rand(B, T, S, S, 3)
def fwd():
    with torch.no_grad():
        t = x.reshape(B, T // 2, 2, S // 16, 16, S // 16, 16, 3).permute(0, 1, 3, 5, 2, 4, 6, 7).reshape(B, N, P)
        return blocks(embed(t))
fwd(); ts = []
for _ in range(5):
    t0 = time.perf_counter(); fwd(); ts.append(time.perf_counter() - t0)
print(sorted(ts)[2] * 1000)
`,
  ],
  { encoding: 'utf8', env: { ...process.env, OPENBLAS_CORETYPE: undefined, OPENBLAS_L2_SIZE: undefined } },
);
process.stderr.write(peer.stderr);
const torchMs = peer.status === 0 ? Number(peer.stdout.trim()) : Number.NaN;

const rows: (string | number)[][] = [
  [
    `feature extraction, batch ${B} of ${T} x ${S} x ${S} (nano/16, ${gflops.toFixed(3)} GFLOPs/clip)`,
    `${((B * 1000) / ortMs).toFixed(1)} clips/s (ORT CPU, 2 threads)`,
    'PyTorch 1.13 + OpenBLAS, 2 threads (same architecture)',
    Number.isNaN(torchMs)
      ? `failed: ${peer.stderr.slice(0, 80)}`
      : `${((B * 1000) / torchMs).toFixed(1)} clips/s`,
    Number.isNaN(torchMs) ? 'n/a' : (torchMs / ortMs).toFixed(2),
  ],
];

// Probe training per task on 64 train clips (features from the same encoder).
const [TRAIN, TEST, STEPS] = [64, 16, 150];
const TASKS = process.env.BENCH_TASKS?.split(',') ?? [
  'actions',
  'temporal',
  'spatiotemporal',
  'depth',
  'tracking',
  'boxes',
  'pose',
];
for (const name of TASKS) {
  const task = synth4dTaskHead(name);
  const cfg = taskConfig(name, { size: S, frames: T });
  const render = (split: 'train' | 'val', n: number) =>
    Array.from({ length: n }, (_, i) => renderSample(cfg, splitSeed(split, i)));
  const t0 = performance.now();
  const train = render('train', TRAIN);
  const test = render('val', TEST);
  const renderS = (performance.now() - t0) / 1000;
  const embed = async (samples: typeof train) => {
    const N = encoder.meta.grid.t * encoder.meta.grid.h * encoder.meta.grid.w;
    const out = new Float32Array(samples.length * N * config.width);
    for (let s = 0; s < samples.length; s += B) {
      const part = samples.slice(s, s + B);
      const data = new Float32Array(part.length * T * S * S * 3);
      for (const [i, c] of part.entries()) data.set(c.rgb, i * T * S * S * 3);
      const e = await encoder.embed({ data, shape: [part.length, T, S, S, 3] });
      out.set(e.tokens, s * N * config.width);
    }
    return { data: out, shape: [samples.length, N, config.width] };
  };
  const geometry = {
    grid: encoder.meta.grid,
    frames: T,
    height: S,
    width: S,
    featureWidth: config.width,
    layers: 1,
  };
  const r = fitTask(
    task,
    geometry,
    { features: await embed(train), samples: train },
    { features: await embed(test), samples: test },
    { kind: 'attentive', steps: STEPS, batchSize: 16 },
    new Rng(0),
  );
  rows.push([
    `${task.name}: attentive head, ${STEPS} steps, batch 16, ${TRAIN} train clips (${r.cost.trainableParams} params)`,
    `${r.trainSeconds.toFixed(1)} s train (${((1000 * r.trainSeconds) / STEPS).toFixed(0)} ms/step), render ${renderS.toFixed(1)} s`,
    '-',
    '-',
    `${r.table[0].name} ${r.table[0].value.toFixed(3)}`,
  ]);
}
await encoder.dispose();
rmSync(dir, { recursive: true, force: true });
console.log(`${describeMachine()}; tfjs backend: ${backend.backend ?? JSON.stringify(backend)}`);
console.log(
  markdownTable(
    ['what', 'vfmkit', 'peer', 'peer figure', 'peer time / vfmkit time (or headline metric)'],
    rows,
  ),
);
