/**
 * A training step of the `simclr` and `dino` recipes (@vfmkit/ssl over a video ViT, 2 views per clip)
 * against the same model and step in PyTorch (Debian python3-torch, OpenBLAS, 2 threads) at the same
 * batch in the same run. Each row runs in a fresh process. Goal (issue: the SSL template): within 2x.
 *
 *   npm run bench:ssl -w @vfmkit/trainer        (VFM_BENCH_STEPS=3, VFM_BENCH_VARIANT=tiny)
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describeMachine, markdownTable, Rng } from '@vfmkit/core';
import { initBackend } from '@vfmkit/nn';
import { resolveConfig } from '../src/config/load-config';
import { viewFrames } from '../src/recipes/joint-embedding';
import { recipeOf } from '../src/recipes/registry';
import { dataParallelEngine } from '../src/train/data-parallel-engine';
import { singleEngine } from '../src/train/engine';
import { timeEngine } from './time-engine';

const steps = Number(process.env.VFM_BENCH_STEPS ?? 3);
const variant = process.env.VFM_BENCH_VARIANT ?? 'tiny';
/** Source clips of 16 frames at 112 x 112; views of 8 frames (4 x 7 x 7 = 196 tokens of 2 x 16 x 16). */
const frames = 16;
const size = 112;
const clipsPerWorker = 2;

async function runRow(method: string, workers: number): Promise<void> {
  await initBackend({ log: null });
  const batchSize = clipsPerWorker * workers;
  const recipe = recipeOf(method);
  const config = await resolveConfig(method, {
    overrides: [
      `--frames=${frames}`,
      `--size=${size}`,
      `--batchSize=${batchSize}`,
      `--workers=${workers}`,
      `--model.variant=${variant}/16`,
      '--views.policy=none',
    ],
  });
  const spec = recipe.spec(config) as {
    encoder: { width: number; depth: number; heads: number; mlpDim: number; tubelet: number[] };
    method: { projector: { hidden: number; out: number; layers: number } };
  };
  const rng = new Rng(0);
  const clips = Array.from({ length: batchSize }, () => ({
    data: Float32Array.from({ length: frames * size * size * 3 }, () => rng.uniform()),
    shape: [frames, size, size, 3] as [number, number, number, number],
  }));
  const batch = recipe.batch(clips, config, rng);
  const engine =
    workers === 1
      ? singleEngine(recipe.createModel(spec), config)
      : await dataParallelEngine(recipe, spec, config);
  const ms = await timeEngine(engine, batch, steps);
  const e = spec.encoder;
  const peer = {
    threads: 2,
    method,
    batch: batchSize,
    views: config.views.count,
    frames: viewFrames(config),
    size,
    tubelet: e.tubelet[0],
    patch: e.tubelet[1],
    width: e.width,
    depth: e.depth,
    heads: e.heads,
    mlp: e.mlpDim,
    ...spec.method.projector,
    warmup: 1,
    steps,
  };
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  const script = fileURLToPath(new URL('./ssl_torch.py', import.meta.url));
  const out = execFileSync('/usr/bin/python3', [script, JSON.stringify(peer)], { encoding: 'utf8', env });
  const torch = JSON.parse(out.trim().split('\n').at(-1) as string).ms as number;
  console.log(JSON.stringify({ method, workers, batchSize, ms, torch }));
}

const row = process.env.VFM_BENCH_ROW;
if (row) {
  const [method, workers] = row.split(':');
  await runRow(method, Number(workers));
} else {
  const rows: string[][] = [];
  for (const method of ['simclr', 'dino'])
    for (const workers of [1, 2]) {
      const out = execFileSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url)], {
        encoding: 'utf8',
        env: { ...process.env, VFM_BENCH_ROW: `${method}:${workers}` },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const r = JSON.parse(out.trim().split('\n').at(-1) as string);
      rows.push([
        `${method}, ${variant}/16, ${workers} worker${workers > 1 ? 's' : ''}, ${r.batchSize} clips x 2 views`,
        `${r.ms.toFixed(0)} ms`,
        `${r.torch.toFixed(0)} ms`,
        (r.ms / r.torch).toFixed(2),
      ]);
      console.error(rows.at(-1)?.join(' | '));
    }
  console.log(`\nSSL training step (views of 8x${size}x${size}, median of ${steps}); ${describeMachine()}\n`);
  console.log(
    markdownTable(
      ['step', 'vfmkit (tfjs wasm)', 'peer: PyTorch 2 threads, same batch', 'vfmkit / PyTorch time'],
      rows,
    ),
  );
}
