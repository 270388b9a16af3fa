/**
 * int8 variants against fp32 on ONNX Runtime CPU, interleaved in one run, on a TRAINED checkpoint
 * (VFM_BENCH_CKPT: a vit-encoder checkpoint, e.g. a `vfm-train mae` run's encoder.safetensors; random
 * weights when unset) and synth4d clips: time at each batch and the cosine of the pooled embedding to
 * fp32 (smallest over clips).
 *
 *   VFM_BENCH_CKPT=runs/mae-S/encoder.safetensors npx tsx --conditions=@vfmkit/source bench/int8.ts
 *   env: VFM_BENCH_CLIP=8,112,112  VFM_BENCH_BATCHES=1,4  VFM_BENCH_REPS=5  VFM_BENCH_VARIANT=S (random weights only)
 */
import { loadavg } from 'node:os';
import { describeMachine, markdownTable } from '@vfmkit/core';
import { renderSample, splitSeed, taskConfig } from '@vfmkit/synth4d';
import { decodeVariant, initVitWeights, loadVitCheckpoint, vitForwardFlops } from '../src/index';
import { exportVitOnnx, VideoEncoder, type VitOnnxExportOptions } from '../src/onnx/index';

const [T, H, W] = (process.env.VFM_BENCH_CLIP ?? '8,112,112').split(',').map(Number);
const batches = (process.env.VFM_BENCH_BATCHES ?? '1,4').split(',').map(Number);
const reps = Number(process.env.VFM_BENCH_REPS ?? 5);
const threads = Number(process.env.VFM_BENCH_THREADS ?? 2);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const ckpt = process.env.VFM_BENCH_CKPT;
const { config, weights } = ckpt
  ? await loadVitCheckpoint(ckpt)
  : (() => {
      const c = decodeVariant(`${process.env.VFM_BENCH_VARIANT ?? 'S'}/16`);
      return { config: c, weights: initVitWeights(c, 7) };
    })();

const variants: Record<string, VitOnnxExportOptions> = {
  fp32: {},
  'fp32, MLP as one product (mlpBlocks 1)': { mlpBlocks: 1 },
  'int8 dynamic, 7-bit weights (reduceRange)': { weights: 'int8', int8: { reduceRange: true } },
  'int8 dynamic, full-range weights': { weights: 'int8', int8: { reduceRange: false } },
  'int8 dynamic, full-range, MLP as one product (mlpBlocks 1)': {
    weights: 'int8',
    int8: { reduceRange: false },
    mlpBlocks: 1,
  },
  'fp32, attention as MatMul/Softmax/MatMul': { attention: 'matmul' },
  'int8 linear, fp32 MatMul attention': { weights: 'int8', attention: 'matmul' },
  'int8 linear, int8 Q.K^T': { weights: 'int8', attention: 'matmul', int8: { attentionQK: true } },
};
const names = Object.keys(variants);
const encoders: Record<string, VideoEncoder> = {};
const sizes: Record<string, number> = {};
for (const name of names) {
  const bytes = exportVitOnnx(config, weights, { ...variants[name], clip: [T, H, W] });
  sizes[name] = bytes.length;
  encoders[name] = await VideoEncoder.load(bytes, { device: 'cpu', threads });
}

const maxB = Math.max(...batches);
const clipSize = T * H * W * 3;
const clips = new Float32Array(maxB * clipSize);
for (let i = 0; i < maxB; i++)
  clips.set(
    renderSample(taskConfig('actions', { size: H, frames: T }), splitSeed('val', i)).rgb.subarray(
      0,
      clipSize,
    ),
    i * clipSize,
  );

function minCosine(a: Float32Array, b: Float32Array, d: number): number {
  let min = 1;
  for (let r = 0; r < a.length / d; r++) {
    let ab = 0;
    let aa = 0;
    let bb = 0;
    for (let j = r * d; j < (r + 1) * d; j++) {
      ab += a[j] * b[j];
      aa += a[j] * a[j];
      bb += b[j] * b[j];
    }
    min = Math.min(min, ab / Math.sqrt(aa * bb));
  }
  return min;
}

const gflop = vitForwardFlops({ ...config, frames: T, imageSize: [H, W] }) / 1e9;
const rows: (string | number)[][] = [];
const loads = [loadavg()[0]];
for (const b of batches) {
  const batch = { data: clips.subarray(0, b * clipSize), shape: [b, T, H, W, 3] as const };
  const times: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  const pooled: Record<string, Float32Array> = {};
  for (let r = 0; r <= reps; r++) {
    for (const name of names) {
      const t0 = performance.now();
      const e = await encoders[name].embed(batch);
      const ms = performance.now() - t0;
      if (r === 0) pooled[name] = e.pooled;
      else times[name].push(ms);
    }
  }
  loads.push(loadavg()[0]);
  const fp = median(times.fp32);
  for (const name of names) {
    const ms = median(times[name]);
    rows.push([
      b,
      name,
      `${ms.toFixed(0)} ms`,
      `${(fp / ms).toFixed(2)}x`,
      ((gflop * b * 1000) / ms).toFixed(1),
      minCosine(pooled[name], pooled.fp32, config.width).toFixed(6),
      `${(sizes[name] / 2 ** 20).toFixed(1)} MB`,
    ]);
  }
}
console.log(
  `${ckpt ? `trained checkpoint ${ckpt}` : 'random weights'}: width ${config.width}, depth ${config.depth}, clip ${T} x ${H} x ${W}, ` +
    `synth4d actions clips, ${threads} threads, no spinning; ${describeMachine()}. Median of ${reps} after 1 warm-up, interleaved. ` +
    `Load average (1 min) before/after each batch: ${loads.map((l) => l.toFixed(1)).join(', ')}\n`,
);
console.log(
  markdownTable(
    ['batch', 'weights', 'time', 'fp32 / this', 'GFLOP/s', 'min cosine to fp32 (pooled)', 'file'],
    rows,
  ),
);
for (const e of Object.values(encoders)) await e.dispose();
