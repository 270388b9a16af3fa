/**
 * Steps/s of the `mae` recipe (tube masking 0.9, decoder over all hidden tokens, AdamW) for the tiny
 * and S variants on 16 x 224 x 224 clips with 1 and 2 data-parallel workers, against the same model
 * and step in PyTorch (Debian python3-torch, OpenBLAS, 2 threads) at the same batch in the same run.
 * Each row runs in a fresh process (tfjs-wasm's heap cannot exceed 2 GB, and S at batch 2 in one
 * thread does not fit: it runs at batch 1 per worker).
 *
 *   npm run bench -w @vfmkit/trainer          (VFM_BENCH_STEPS=3, VFM_BENCH_VARIANTS=tiny,S)
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describeMachine, markdownTable, Rng } from '@vfmkit/core';
import { initBackend } from '@vfmkit/nn';
import { compose } from '@vfmkit/video';
import { maeDecoderFor, type VitVariant } from '@vfmkit/vit-encoder';
import { trainConfigSchema } from '../src/config/schema';
import { maeBatch } from '../src/recipes/mae-batch';
import { createMaeTrainable } from '../src/recipes/mae-model';
import { recipeOf } from '../src/recipes/registry';
import { dataParallelEngine } from '../src/train/data-parallel-engine';
import { singleEngine } from '../src/train/engine';
import { encoderConfigOf, maeSpecOf } from '../src/train/model-spec';
import { timeEngine } from './time-engine';

const steps = Number(process.env.VFM_BENCH_STEPS ?? 3);
const variants = (process.env.VFM_BENCH_VARIANTS ?? 'tiny,S').split(',') as VitVariant[];
const frames = 16;
const size = 224;
/** Clips per worker: tiny fits 2 in one wasm heap, S only 1. */
const perWorker = (variant: VitVariant) => (variant === 'tiny' || variant === 'nano' ? 2 : 1);

function torchMs(config: ReturnType<typeof trainConfigSchema.parse>): number {
  const batchSize = config.batchSize;
  const enc = encoderConfigOf(config);
  const args = {
    threads: 2,
    batch: batchSize,
    frames,
    size,
    tubelet: enc.tubelet[0],
    patch: enc.tubelet[1],
    width: enc.width,
    depth: enc.depth,
    heads: enc.heads,
    mlp: enc.mlpDim,
    dec_width: config.decoder.width,
    dec_depth: config.decoder.depth,
    dec_heads: config.decoder.heads,
    ratio: 0.9,
    warmup: 1,
    steps,
  };
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const script = fileURLToPath(new URL('./mae_torch.py', import.meta.url));
  const out = execFileSync('/usr/bin/python3', [script, JSON.stringify(args)], { encoding: 'utf8', env });
  return JSON.parse(out.trim().split('\n').at(-1) as string).ms;
}

/** One row, in this process: `VFM_BENCH_ROW=<variant>:<workers>`; prints the row as JSON. */
async function runRow(variant: VitVariant, workers: number): Promise<void> {
  await initBackend({ log: null });
  const batchSize = workers === 1 ? perWorker(variant) : 2 * perWorker(variant);
  const d = maeDecoderFor(variant);
  const config = trainConfigSchema.parse({
    recipe: 'mae',
    frames,
    size,
    batchSize,
    workers,
    model: { variant: `${variant}/16` },
    decoder: { width: d.width, depth: d.depth, heads: d.heads },
  });
  const spec = maeSpecOf(config);
  const enc = encoderConfigOf(config);
  const grid = { t: frames / enc.tubelet[0], h: size / enc.tubelet[1], w: size / enc.tubelet[2] };
  const rng = new Rng(0);
  const clips = Array.from({ length: batchSize }, () => ({
    data: Float32Array.from({ length: frames * size * size * 3 }, () => rng.uniform()),
    shape: [frames, size, size, 3] as [number, number, number, number],
  }));
  const { batch } = maeBatch(clips, compose([]), grid, config, rng);
  const engine =
    workers === 1
      ? singleEngine(createMaeTrainable(spec), config)
      : await dataParallelEngine(recipeOf('mae'), spec, config);
  const ms = await timeEngine(engine, batch, steps);
  const torch = torchMs(config);
  console.log(JSON.stringify({ variant, workers, batchSize, ms, torch }));
}

const row = process.env.VFM_BENCH_ROW;
if (row) {
  const [variant, workers] = row.split(':');
  await runRow(variant as VitVariant, Number(workers));
} else {
  const rows: (string | number)[][] = [];
  for (const variant of variants)
    for (const workers of [1, 2]) {
      const out = execFileSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url)], {
        encoding: 'utf8',
        env: { ...process.env, VFM_BENCH_ROW: `${variant}:${workers}` },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const r = JSON.parse(out.trim().split('\n').at(-1) as string);
      rows.push([
        `${variant}/16, ${workers} worker${workers > 1 ? 's' : ''}, batch ${r.batchSize}`,
        `${r.ms.toFixed(0)} ms (${(1000 / r.ms).toFixed(3)} steps/s)`,
        `${r.torch.toFixed(0)} ms (${(1000 / r.torch).toFixed(3)} steps/s)`,
        (r.ms / r.torch).toFixed(2),
      ]);
      console.error(rows.at(-1)?.join(' | '));
    }
  console.log(
    `\nMAE training step (tube 0.9, ${frames}x${size}x${size}, median of ${steps}); ${describeMachine()}\n`,
  );
  console.log(
    markdownTable(
      ['model', 'vfmkit (tfjs wasm)', 'peer: PyTorch 2 threads, same batch', 'vfmkit / PyTorch time'],
      rows,
    ),
  );
}
