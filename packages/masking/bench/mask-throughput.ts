/**
 * Masks per second for a batch of 32 clips, vfmkit against numpy in the same run:
 *  - tube masking, ratio 0.9, on 8 x 14 x 14 (16 x 224 x 224 clips): the peer is VideoMAE's
 *    `TubeMaskingGenerator` (np.hstack of zeros/ones, np.random.shuffle, np.tile over time), called
 *    once per clip as its data loader does, then stacked to `[B, N]`. vfmkit is timed making the same
 *    boolean `[B, N]` mask (`hiddenMaskBatch`), and also with the index form (keep, masked, restore).
 *  - adaptive decoder masking, top 15% by priority, on 64 x 14 x 14 (128-frame clips, 12,544 tokens):
 *    the peer takes `np.argpartition(-p, k - 1)[:k]` per clip and builds the boolean mask; a
 *    vectorized numpy variant (one argpartition over `[B, N]`) is shown for context. vfmkit returns
 *    the boolean target mask and the sorted `[B, K]` index, ties broken by token index.
 *
 *   npm run bench -w @vfmkit/masking
 */
import { execFileSync } from 'node:child_process';
import { describeMachine, markdownTable, medianMs, Rng } from '@vfmkit/core';
import { decoderMaskBatch, encoderMaskBatch, hiddenMaskBatch } from '../src/index';

const B = 32;
const REPS = 9;

/** Median ms per call of `fn`, each timing covering enough calls to last ~50 ms. */
async function perCallMs(fn: () => unknown): Promise<number> {
  let calls = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < calls; i++) fn();
    if (performance.now() - t0 > 50) break;
    calls *= 2;
  }
  return (
    (await medianMs(() => {
      for (let i = 0; i < calls; i++) fn();
    }, REPS)) / calls
  );
}

const tubeGrid = { t: 8, h: 14, w: 14 };
let seed = 0;
const tubeMs = await perCallMs(() => hiddenMaskBatch(B, tubeGrid, { kind: 'tube', ratio: 0.9 }, seed++));
const tubeIndexMs = await perCallMs(() =>
  encoderMaskBatch(B, tubeGrid, { kind: 'tube', ratio: 0.9 }, seed++),
);

const longGrid = { t: 64, h: 14, w: 14 };
const n = 64 * 14 * 14;
const rng = new Rng(1);
const priority = new Float32Array(B * n);
for (let i = 0; i < priority.length; i++) priority[i] = rng.uniform();
const adaptiveMs = await perCallMs(() =>
  decoderMaskBatch({ grid: longGrid, batch: B }, { kind: 'adaptive', budget: { fraction: 0.15 }, priority }),
);

const python = `
import json, time
import numpy as np
B, REPS = 32, 9
def per_call_ms(fn):
    calls = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(calls): fn()
        if time.perf_counter() - t0 > 0.05: break
        calls *= 2
    times = []
    for _ in range(REPS):
        t0 = time.perf_counter()
        for _ in range(calls): fn()
        times.append((time.perf_counter() - t0) * 1000 / calls)
    return sorted(times)[len(times) // 2]

class TubeMaskingGenerator:  # as in VideoMAE's masking_generator.py
    def __init__(self, input_size, mask_ratio):
        self.frames, self.height, self.width = input_size
        self.num_patches_per_frame = self.height * self.width
        self.num_masks_per_frame = int(mask_ratio * self.num_patches_per_frame)
    def __call__(self):
        mask_per_frame = np.hstack([
            np.zeros(self.num_patches_per_frame - self.num_masks_per_frame),
            np.ones(self.num_masks_per_frame),
        ])
        np.random.shuffle(mask_per_frame)
        return np.tile(mask_per_frame, (self.frames, 1)).flatten()

tube = TubeMaskingGenerator((8, 14, 14), 0.9)
def tube_batch():
    return np.stack([tube() for _ in range(B)]).astype(bool)

N = 64 * 14 * 14
K = round(0.15 * N)
p = np.random.default_rng(1).random((B, N), dtype=np.float32)
def topk_one(row):
    idx = np.argpartition(-row, K - 1)[:K]
    m = np.zeros(N, dtype=bool)
    m[idx] = True
    return m
def adaptive_batch():
    return np.stack([topk_one(p[b]) for b in range(B)])
def adaptive_vectorized():
    idx = np.argpartition(-p, K - 1, axis=1)[:, :K]
    m = np.zeros((B, N), dtype=bool)
    np.put_along_axis(m, idx, True, axis=1)
    return m

assert tube_batch().sum() == B * 8 * 176 and adaptive_batch().sum() == B * K
print(json.dumps({
    "tube": per_call_ms(tube_batch),
    "adaptive": per_call_ms(adaptive_batch),
    "adaptive_vec": per_call_ms(adaptive_vectorized),
    "numpy": np.__version__,
}))
`;
const env = { ...process.env };
delete env.OPENBLAS_CORETYPE;
delete env.OPENBLAS_L2_SIZE;
const peer = JSON.parse(execFileSync('/usr/bin/python3', ['-c', python], { env, encoding: 'utf8' })) as {
  tube: number;
  adaptive: number;
  adaptive_vec: number;
  numpy: string;
};

const rate = (ms: number) => `${Math.round((B / ms) * 1000).toLocaleString('en-US')} masks/s`;
const row = (what: string, ours: number, theirs: number, peerName: string) => [
  what,
  rate(ours),
  `${peerName}: ${rate(theirs)}`,
  `${(theirs / ours).toFixed(1)}x`,
];
console.log(`Masks per second, batch ${B}; ${describeMachine()}; numpy ${peer.numpy}\n`);
console.log(
  markdownTable(
    ['masks (batch of 32)', 'vfmkit', 'peer', 'vfmkit / peer'],
    [
      row(
        'tube 0.9, 8x14x14 (bool [B, N])',
        tubeMs,
        peer.tube,
        'numpy, VideoMAE TubeMaskingGenerator per clip',
      ),
      row('tube 0.9, 8x14x14 (bool + keep/masked/restore)', tubeIndexMs, peer.tube, 'same numpy (bool only)'),
      row(
        'adaptive top-15%, 64x14x14 (bool + [B, K] index)',
        adaptiveMs,
        peer.adaptive,
        'numpy argpartition per clip',
      ),
      row(
        'adaptive top-15%, 64x14x14 (context)',
        adaptiveMs,
        peer.adaptive_vec,
        'numpy argpartition on [B, N]',
      ),
    ],
  ),
);
