/**
 * Stage-1 training step time: `ContrastiveModel` (ViT video tower with the 50% tube drop and attention
 * pooling, text transformer, symmetric CLIP loss) forward + backward + AdamW on tfjs wasm against the
 * same model, weights, batch and tube drop in PyTorch (`torch_videoprism.py`, Debian python3-torch,
 * OpenBLAS) at the same thread count (tfjs wasm runs 1 thread under Node, so PyTorch gets 1 too). Rounds
 * are interleaved (PyTorch, tfjs, PyTorch, tfjs, ...); each PyTorch round is a fresh process. Goal
 * (issue 18): within 2x.
 *
 *   npm run bench:step -w @vfmkit/videoprism-distill
 *   (VFM_BENCH_ROUNDS=3, VFM_BENCH_STEPS=5 timed steps per round; VFM_BENCH_PROFILE=1 adds the top
 *   tfjs kernels of one step; VFM_BENCH_WORKERS=2 runs nn's DataParallel with 2 workers against
 *   PyTorch on 2 threads)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeMachine, markdownTable, Rng, writeSafetensors } from '@vfmkit/core';
import { AdamW, DataParallel, initBackend, paramsToTensors, tf, trainStep } from '@vfmkit/nn';
import { contrastiveBatch } from '../src/index';
import { ContrastiveModel } from '../src/tfjs/index';

const rounds = Number(process.env.VFM_BENCH_ROUNDS ?? 3);
const steps = Number(process.env.VFM_BENCH_STEPS ?? 5);
/** 1: tfjs in this thread vs PyTorch 1 thread; 2: nn's DataParallel with 2 workers vs PyTorch 2 threads. */
const workers = Number(process.env.VFM_BENCH_WORKERS ?? 1);
const [B, T, S, L] = [16, 8, 32, 40];
const tubelet = [2, 8, 8] as const;
const grid = { t: T / tubelet[0], h: S / tubelet[1], w: S / tubelet[2] };
const encoder = {
  width: 128,
  depth: 4,
  heads: 4,
  mlpDim: 512,
  frames: T,
  imageSize: [S, S],
  tubelet: [...tubelet],
};
const text = { vocabSize: 1000, maxLength: L, width: 128, depth: 2, heads: 4, embedDim: 128 };

/** Captions of 8..40 tokens: `[CLS]`=2 ... `[SEP]`=3 then padding 0, ids drawn from [4, vocabSize). */
export function randomCaptions(
  b: number,
  rng: Rng,
): { ids: Int32Array; mask: Float32Array; shape: [number, number] } {
  const ids = new Int32Array(b * L);
  const mask = new Float32Array(b * L);
  for (let i = 0; i < b; i++) {
    const len = 8 + Math.floor(rng.uniform() * (L - 7));
    for (let j = 0; j < len; j++) {
      ids[i * L + j] = j === 0 ? 2 : j === len - 1 ? 3 : 4 + Math.floor(rng.uniform() * (text.vocabSize - 4));
      mask[i * L + j] = 1;
    }
  }
  return { ids, mask, shape: [b, L] };
}

const load = () => loadavg()[0].toFixed(1);
const backend = await initBackend({ log: null });
const dir = mkdtempSync(join(tmpdir(), 'vfm-bench-vp-step-'));
try {
  const model = ContrastiveModel.create({ config: { video: { encoder }, text, seed: 0 } });
  const weights = join(dir, 'weights.safetensors');
  await writeSafetensors(weights, await paramsToTensors(model.params));
  const rng = new Rng(1);
  const clips = {
    data: Float32Array.from({ length: B * T * S * S * 3 }, () => rng.uniform()),
    shape: [B, T, S, S, 3] as [number, number, number, number, number],
  };
  const batch = contrastiveBatch(clips, randomCaptions(B, rng), grid, 0.5, 7);
  const visible = batch.visible as { data: Int32Array; shape: number[] };
  writeFileSync(join(dir, 'clips.f32'), clips.data);
  writeFileSync(join(dir, 'ids.i32'), batch.ids.data as Int32Array);
  writeFileSync(join(dir, 'mask.f32'), batch.mask.data as Float32Array);
  writeFileSync(join(dir, 'visible.i32'), visible.data);
  const K = visible.shape[1];
  const peerConfig = {
    threads: workers,
    shards: workers,
    B,
    T,
    S,
    tubelet,
    L,
    K,
    width: encoder.width,
    depth: encoder.depth,
    heads: encoder.heads,
    textWidth: text.width,
    textDepth: text.depth,
    textHeads: text.heads,
    warmup: 1,
    steps,
  };
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    OPENBLAS_NUM_THREADS: String(workers),
    OMP_NUM_THREADS: String(workers),
    // idle OpenMP threads sleep instead of spinning (with 2 threads on a shared machine, spinning made
    // PyTorch's step ~25x slower here)
    OMP_WAIT_POLICY: 'PASSIVE',
  };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  let blas = '';
  const torchRound = () => {
    const r = spawnSync(
      '/usr/bin/python3',
      [join(import.meta.dirname, 'torch_videoprism.py'), 'step', weights, dir, JSON.stringify(peerConfig)],
      { env, encoding: 'utf8', maxBuffer: 1 << 26 },
    );
    if (r.status !== 0) throw new Error(`PyTorch peer failed (exit ${r.status}):\n${r.stderr}`);
    blas = r.stderr.trim().split('\n').join('; ');
    return JSON.parse(r.stdout) as { ms: number[]; loss0: number; loss: number };
  };

  const optimizer = { lr: 1e-4, weightDecay: 0.01 };
  const opt = new AdamW(model.params, optimizer);
  const dp =
    workers > 1
      ? await DataParallel.create({
          module: new URL('../src/tfjs/contrastive-model.ts', import.meta.url),
          exportName: 'buildContrastiveModel',
          config: { config: { video: { encoder }, text, seed: 0 } },
          workers,
          optimizer,
        })
      : undefined;
  let step = 0;
  const tfjsStep = async () =>
    dp ? (await dp.step(batch)).loss : trainStep(model, batch, opt, { step: step++ }).loss;
  const loss0 = await tfjsStep(); // also the tfjs warm-up step
  const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
  const torchMs: number[] = [];
  const tfjsMs: number[] = [];
  const loads: string[] = [];
  let torchLoss0 = Number.NaN;
  for (let round = 0; round < rounds; round++) {
    loads.push(load());
    const t = torchRound();
    torchLoss0 = t.loss0;
    torchMs.push(med(t.ms));
    const times: number[] = [];
    for (let i = 0; i < steps; i++) {
      const t0 = performance.now();
      await tfjsStep();
      times.push(performance.now() - t0);
    }
    tfjsMs.push(med(times));
    console.error(
      `round ${round}: PyTorch ${torchMs.at(-1)?.toFixed(0)} ms, tfjs ${tfjsMs.at(-1)?.toFixed(0)} ms, load ${loads.at(-1)}`,
    );
  }
  loads.push(load());

  const each = (a: number[]) => a.map((v) => v.toFixed(0)).join(', ');
  const ratio = med(tfjsMs) / med(torchMs);
  console.log(
    `\n${describeMachine()}; tfjs ${tf.version.tfjs} on ${backend.backend} (${dp ? `DataParallel, ${workers} workers of 1 thread` : '1 thread'}); ${blas}; load average (1 min) before each round and after: ${loads.join(', ')}`,
  );
  console.log(
    `Stage-1 step: batch ${B}, clips ${T} x ${S} x ${S} in 2 x 8 x 8 tubelets (${grid.t * grid.h * grid.w} tokens, ${K} kept by the 50% tube drop), ViT width ${encoder.width} depth ${encoder.depth}, text width ${text.width} depth ${text.depth} length ${L}; first-step loss tfjs ${loss0.toFixed(6)} vs PyTorch ${torchLoss0.toFixed(6)}; median of ${steps} steps per round, ${rounds} interleaved rounds\n`,
  );
  console.log(
    markdownTable(
      ['runtime', 'step ms (median of rounds)', 'each round (ms)', 'time / PyTorch'],
      [
        [`PyTorch 1.13 eager, ${workers} thread(s)`, med(torchMs).toFixed(0), each(torchMs), '1.00'],
        [
          dp ? `tfjs wasm, DataParallel ${workers} workers` : 'tfjs wasm, 1 thread',
          med(tfjsMs).toFixed(0),
          each(tfjsMs),
          ratio.toFixed(2),
        ],
      ],
    ),
  );
  console.log(
    `\nGoal (within 2x of PyTorch): ${ratio <= 2 ? 'met' : `missed by ${(ratio / 2).toFixed(2)}x`}`,
  );

  await dp?.close();
  if (process.env.VFM_BENCH_PROFILE === '1' && !dp) {
    const info = await tf.profile(() => {
      trainStep(model, batch, opt, { step: step++ });
    });
    const byKernel = new Map<string, number>();
    const calls = new Map<string, number>();
    let total = 0;
    for (const k of info.kernels) {
      const ms = Number(k.kernelTimeMs) || 0;
      total += ms;
      byKernel.set(k.name, (byKernel.get(k.name) ?? 0) + ms);
      calls.set(k.name, (calls.get(k.name) ?? 0) + 1);
    }
    const top = [...byKernel].sort((a, b) => b[1] - a[1]).slice(0, 12);
    console.log(
      `\ntfjs kernels of one step (profiled; ${info.kernels.length} kernel calls, ${total.toFixed(0)} ms of kernel time in all):\n`,
    );
    console.log(
      markdownTable(
        ['kernel', 'calls', 'ms', 'share'],
        top.map(([name, ms]) => [
          name,
          String(calls.get(name)),
          ms.toFixed(1),
          `${((100 * ms) / total).toFixed(0)}%`,
        ]),
      ),
    );
  }
  model.dispose();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
