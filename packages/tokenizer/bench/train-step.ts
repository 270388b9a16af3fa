/**
 * One tokenizer training step (encoder, FSQ, scorer, perturbed top-k, one decoder pass over full and
 * budget codes, both MSE losses, gradients, clipping, AdamW) on tfjs wasm against the same step in PyTorch
 * (Debian python3-torch, 2 threads) with the same weights, rounds interleaved.
 *
 *   npx tsx --conditions=@vfmkit/source packages/tokenizer/bench/train-step.ts   (VFM_BENCH_REPS=3)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Clip, describeMachine, markdownTable, Rng } from '@vfmkit/core';
import { initBackend } from '@vfmkit/nn';
import type { TokenizerConfigInput } from '../src/index';
import { saveTokenizer, TokenizerModel, trainTokenizer } from '../src/tfjs/index';

const reps = Number(process.env.VFM_BENCH_REPS ?? 3);
const rounds = Number(process.env.VFM_BENCH_ROUNDS ?? 2);
const [B, T, H, W] = [4, 4, 32, 32];
const config: TokenizerConfigInput = {
  frames: T,
  imageSize: [H, W],
  downsample: [2, 8, 8],
  widths: [16, 32, 32, 32],
  resBlocks: [0, 1, 1, 1],
  quantizer: { kind: 'fsq', levels: [8, 8, 8, 5, 5, 5] },
  scorer: { width: 16, layers: 1 },
  topk: { samples: 8, sigma: 0.5 },
};
await initBackend({ backend: 'wasm', log: null });
const dir = mkdtempSync(join(tmpdir(), 'vfm-bench-tok-'));
try {
  const model = new TokenizerModel(config, 1);
  const ckpt = join(dir, 'tok.safetensors');
  await saveTokenizer(ckpt, model);
  const rng = new Rng(2);
  const clips: Clip[] = Array.from({ length: B }, () => ({
    data: Float32Array.from({ length: T * H * W * 3 }, () => rng.uniform()),
    shape: [T, H, W, 3],
  }));
  const clipsFile = join(dir, 'clips.f32');
  const all = new Float32Array(B * T * H * W * 3);
  for (const [i, c] of clips.entries()) all.set(c.data, i * c.data.length);
  writeFileSync(clipsFile, all);
  const env: NodeJS.ProcessEnv = { ...process.env, OPENBLAS_NUM_THREADS: '2', OMP_NUM_THREADS: '2' };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const torchMs: number[] = [];
  const tfMs: number[] = [];
  let version = '';
  trainTokenizer(model, clips, { steps: 1, batchSize: B }); // warm-up
  for (let round = 0; round < rounds; round++) {
    const r = spawnSync(
      '/usr/bin/python3',
      [
        join(import.meta.dirname, 'torch_tokenizer.py'),
        ckpt,
        clipsFile,
        ...[B, T, H, W, reps].map(String),
        'train',
      ],
      { env, encoding: 'utf8' },
    );
    if (r.status !== 0) throw new Error(r.stderr);
    const t = JSON.parse(r.stdout) as { ms: number; torch: string };
    torchMs.push(t.ms);
    version = t.torch;
    const t0 = performance.now();
    trainTokenizer(model, clips, { steps: reps, batchSize: B });
    tfMs.push((performance.now() - t0) / reps);
  }
  const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
  console.log(
    `\n${describeMachine()}; batch ${B} x [${T}, ${H}, ${W}, 3], ${model.parameterCount()} parameters, torch ${version}\n`,
  );
  console.log(
    markdownTable(
      ['runtime', 'step ms (median)', 'each round (ms)', 'time / PyTorch'],
      [
        ['PyTorch 2 threads', med(torchMs).toFixed(0), torchMs.map((v) => v.toFixed(0)).join(', '), '1.00'],
        [
          'tfjs wasm 1 thread',
          med(tfMs).toFixed(0),
          tfMs.map((v) => v.toFixed(0)).join(', '),
          (med(tfMs) / med(torchMs)).toFixed(2),
        ],
      ],
    ),
  );
  model.dispose();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
