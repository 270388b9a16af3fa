/**
 * Feature extraction as vfm-eval runs it (`extractFeatureStream`: clip preparation, ONNX Runtime, cache
 * shard writes), sequential (prefetch 0: prepare, run, write, one batch after the other) vs pipelined
 * (prefetch 1: the next batch is prepared and run while the current one is written), at batch 8 and 32,
 * interleaved, against the PyTorch peer (same architecture, forward only, Debian torch + OpenBLAS,
 * 2 threads) in the same run. Then peak RSS over a 10,000-clip stream of tiny clips, sampled every
 * 1,000 clips while extracting.
 *
 *   npx tsx --conditions=@vfmkit/source apps/evaluator/bench/extract-throughput.ts
 *   env: BENCH_CLIPS=256 (per timed extraction)  BENCH_REPS=3  BENCH_STREAM=10000
 *        BENCH_VARIANT=nano/16 BENCH_FRAMES=16 BENCH_SIZE=64 (a /16 ViT variant and its clip; e.g. S/16 at
 *        16 x 224 x 224 with BENCH_CLIPS=32 for a realistic encoder)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeMachine, markdownTable, sizeOf } from '@vfmkit/core';
import { FeatureCache } from '@vfmkit/probes';
import { renderSample, splitSeed, taskConfig } from '@vfmkit/synth4d';
import { decodeVariant, initVitWeights } from '@vfmkit/vit-encoder';
import { VideoEncoder, writeVitOnnx } from '@vfmkit/vit-encoder/onnx';
import { extractFeatureStream } from '../src/features';

/**
 * Python prelude, before `import torch`: the shared BLAS guard (scripts/python/blas_check.py; importing it sets
 * OMP_WAIT_POLICY=PASSIVE). `check_blas(torch)` prints torch's BLAS and exits 3 on the reference BLAS (then no
 * ratio is reported).
 */
const BLAS_GUARD_PY = `import sys; sys.path.insert(0, ${JSON.stringify(join(import.meta.dirname, '../../../scripts/python'))})
from blas_check import check_blas`;

const variant = process.env.BENCH_VARIANT ?? 'nano/16';
if (!variant.endsWith('/16'))
  throw new Error(`BENCH_VARIANT must be a /16 variant (the peer's patch size), got ${variant}`);
const [T, S] = [Number(process.env.BENCH_FRAMES ?? 16), Number(process.env.BENCH_SIZE ?? 64)];
const clipsPerRun = Number(process.env.BENCH_CLIPS ?? 256);
const reps = Number(process.env.BENCH_REPS ?? 3);
const streamClips = Number(process.env.BENCH_STREAM ?? 10000);
const dir = mkdtempSync(join(tmpdir(), 'vfm-eval-extract-'));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

try {
  const config = decodeVariant(variant, { frames: T, imageSize: [S, S], exposeLayers: [0] });
  const onnx = join(dir, 'nano.onnx');
  await writeVitOnnx(onnx, config, initVitWeights(config, 0));
  const encoder = await VideoEncoder.load(onnx, { device: 'cpu', threads: 2 });
  const pool = Array.from(
    { length: 64 },
    (_, i) => renderSample(taskConfig('depth', { size: S, frames: T }), splitSeed('train', i)).rgb,
  );
  // clip preparation: a copy (what a decoder hands over), so every batch is built from fresh arrays
  const clipAt = (i: number) => Float32Array.from(pool[i % pool.length]);

  const variants = {
    'sequential, batch 8 (before)': { batch: 8, prefetch: 0 },
    'pipelined, batch 8': { batch: 8, prefetch: 1 },
    'sequential, batch 32': { batch: 32, prefetch: 0 },
    'pipelined, batch 32': { batch: 32, prefetch: 1 },
  };
  const names = Object.keys(variants) as (keyof typeof variants)[];
  const embedOnly = [8, 32].map((b) => {
    const data = new Float32Array(b * T * S * S * 3);
    for (let i = 0; i < b; i++) data.set(pool[i % pool.length], i * T * S * S * 3);
    return { name: `ORT embed only (ready batch, no preparation or writes), batch ${b}`, b, data };
  });
  const times: Record<string, number[]> = Object.fromEntries(
    [...names, ...embedOnly.map((e) => e.name)].map((n) => [n, []]),
  );
  const loads = [loadavg()[0]];
  let run = 0;
  for (let r = 0; r <= reps; r++) {
    for (const name of names) {
      const cache = new FeatureCache(join(dir, `cache-${run++}`));
      const t0 = performance.now();
      await extractFeatureStream(cache, encoder, onnx, 'bench', clipsPerRun, clipAt, variants[name]);
      if (r > 0) times[name].push(performance.now() - t0);
      rmSync(cache.dir, { recursive: true, force: true });
    }
    for (const e of embedOnly) {
      const t0 = performance.now();
      for (let done = 0; done < clipsPerRun; done += e.b)
        await encoder.embed({ data: e.data, shape: [e.b, T, S, S, 3] });
      if (r > 0) times[e.name].push(performance.now() - t0);
    }
  }
  loads.push(loadavg()[0]);

  // Peer: the same-size ViT forward in PyTorch, batch 8 and 32 (forward only: no preparation, no writes).
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
T, S, D, L, H = ${T}, ${S}, ${config.width}, ${config.depth}, ${config.heads}
N, P = (T // 2) * (S // 16) ** 2, 2 * 16 * 16 * 3
embed = nn.Linear(P, D); blocks = nn.TransformerEncoder(nn.TransformerEncoderLayer(D, H, ${config.mlpDim}, 0.0, activation='gelu', batch_first=True, norm_first=True), L)
out = {}
for B in (8, 32):
    x = torch.rand(B, T, S, S, 3)
    def fwd():
        with torch.no_grad():
            t = x.reshape(B, T // 2, 2, S // 16, 16, S // 16, 16, 3).permute(0, 1, 3, 5, 2, 4, 6, 7).reshape(B, N, P)
            return blocks(embed(t))
    fwd(); ts = []
    for _ in range(7):
        t0 = time.perf_counter(); fwd(); ts.append(time.perf_counter() - t0)
    out[B] = B / sorted(ts)[3]
print(out[8], out[32])
`,
    ],
    {
      encoding: 'utf8',
      // idle OpenMP threads sleep instead of spinning, as ORT's do here: spinning peers collapse under load
      env: {
        ...process.env,
        OPENBLAS_CORETYPE: undefined,
        OPENBLAS_L2_SIZE: undefined,
        OMP_WAIT_POLICY: 'PASSIVE',
      },
    },
  );
  const [peer8, peer32] =
    peer.status === 0 ? peer.stdout.trim().split(' ').map(Number) : [Number.NaN, Number.NaN];
  const peerBest = Math.max(peer8, peer32);
  loads.push(loadavg()[0]);
  const rows = [...names, ...embedOnly.map((e) => e.name)].map((name) => {
    const cps = (clipsPerRun * 1000) / median(times[name]);
    return [
      name,
      `${cps.toFixed(1)} clips/s`,
      Number.isNaN(peerBest) ? 'n/a' : `${(cps / peerBest).toFixed(2)}x`,
    ];
  });

  // RSS over a long stream of tiny clips (nano/8, 4 x 32 x 32), batch 32, pipelined.
  const tiny = decodeVariant('nano/8', { frames: 4, imageSize: [32, 32], exposeLayers: [0] });
  const tinyOnnx = join(dir, 'tiny.onnx');
  await writeVitOnnx(tinyOnnx, tiny, initVitWeights(tiny, 0));
  const tinyEncoder = await VideoEncoder.load(tinyOnnx, { device: 'cpu', threads: 2 });
  const tinyPool = Array.from({ length: 16 }, (_, i) =>
    Float32Array.from(pool[i].subarray(0, 4 * 32 * 32 * 3)),
  );
  const rss: number[] = [];
  let peak = 0;
  const t0 = performance.now();
  const features = await extractFeatureStream(
    new FeatureCache(join(dir, 'stream')),
    tinyEncoder,
    tinyOnnx,
    'stream',
    streamClips,
    (i) => {
      const m = process.memoryUsage().rss;
      peak = Math.max(peak, m);
      if (i % 1000 === 0) rss.push(m);
      return Float32Array.from(tinyPool[i % tinyPool.length]);
    },
    { batch: 32, prefetch: 1 },
  );
  const streamS = (performance.now() - t0) / 1000;
  const afterStream = process.memoryUsage().rss;
  const featureMb = (sizeOf(features.tokens.shape) + sizeOf(features.layers.shape)) / 2 ** 18;
  await tinyEncoder.dispose();
  await encoder.dispose();

  console.log(
    `vfm-eval feature extraction, ${variant} (width ${config.width}, depth ${config.depth}) on ${T} x ${S} x ${S} clips, ${clipsPerRun} clips per run, ` +
      `ORT CPU 2 threads (no spinning); median of ${reps} after 1 warm-up, interleaved; ${describeMachine()}. ` +
      `Load average (1 min) before / after ours / after the peer: ${loads.map((l) => l.toFixed(1)).join(', ')}.`,
  );
  console.log(
    `Peer: PyTorch forward only, batch 8: ${peer8.toFixed(1)} clips/s, batch 32: ${peer32.toFixed(1)} clips/s (ratio against the better).\n`,
  );
  console.log(
    markdownTable(['extraction', 'vfmkit (prepare + ORT + cache write)', 'vs PyTorch forward'], rows),
  );
  console.log(
    `\n${streamClips} tiny clips (nano/8, 4 x 32 x 32), batch 32, pipelined: ${(streamClips / streamS).toFixed(0)} clips/s; ` +
      `RSS every 1,000 clips during extraction: ${rss.map((m) => (m / 2 ** 20).toFixed(0)).join(', ')} MiB; peak during extraction ${(peak / 2 ** 20).toFixed(0)} MiB; ` +
      `after extraction (${featureMb.toFixed(0)} MiB of features, left on disk): ${(afterStream / 2 ** 20).toFixed(0)} MiB.`,
  );
  process.stderr.write(peer.stderr);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
