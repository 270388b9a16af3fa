/**
 * Steps/s of the `mae` recipe (tube masking 0.9, decoder over all hidden tokens, AdamW) for the tiny
 * and S variants on 16 x 224 x 224 clips, batch 2, with 1 and 2 data-parallel workers, against the
 * same model and step in PyTorch (Debian python3-torch, OpenBLAS, 2 threads) in the same run.
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
import { dataParallelEngine } from '../src/train/data-parallel-engine';
import { singleEngine, type TrainEngine } from '../src/train/engine';
import { encoderConfigOf, maeSpecOf } from '../src/train/model-spec';

const steps = Number(process.env.VFM_BENCH_STEPS ?? 3);
const variants = (process.env.VFM_BENCH_VARIANTS ?? 'tiny,S').split(',') as VitVariant[];
const frames = 16;
const size = 224;
const batchSize = 2;

async function timeEngine(engine: TrainEngine, batch: Parameters<TrainEngine['step']>[0]): Promise<number> {
  await engine.step(batch, 1e-3);
  const times: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    await engine.step(batch, 1e-3);
    times.push(performance.now() - t0);
  }
  await engine.close();
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)];
}

function torchMs(config: ReturnType<typeof trainConfigSchema.parse>): number {
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

await initBackend();
const rows: (string | number)[][] = [];
for (const variant of variants) {
  const d = maeDecoderFor(variant);
  const config = trainConfigSchema.parse({
    recipe: 'mae',
    frames,
    size,
    batchSize,
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
  const torch = torchMs(config);
  for (const workers of [1, 2]) {
    const engine =
      workers === 1
        ? singleEngine(createMaeTrainable(spec), config)
        : await dataParallelEngine(spec, { ...config, workers });
    const ms = await timeEngine(engine, batch);
    rows.push([
      `${variant}/16, ${workers} worker${workers > 1 ? 's' : ''}`,
      `${ms.toFixed(0)} ms (${(1000 / ms).toFixed(3)} steps/s)`,
      `${torch.toFixed(0)} ms (${(1000 / torch).toFixed(3)} steps/s)`,
      (ms / torch).toFixed(2),
    ]);
    console.error(rows.at(-1)?.join(' | '));
  }
}
console.log(
  `\nMAE training step (tube 0.9, ${frames}x${size}x${size}, batch ${batchSize}, median of ${steps}); ${describeMachine()}\n`,
);
console.log(
  markdownTable(['model', 'vfmkit (tfjs wasm)', 'peer: PyTorch 2 threads', 'vfmkit / PyTorch time'], rows),
);
