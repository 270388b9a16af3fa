import { type ClipBatch, ConfigError } from '@vfmkit/core';
import { RenderPool } from './pool';
import { type Difficulty, type Split, splitSeed, taskConfig } from './presets';
import type { Synth4dSample } from './sample';

/** Options of {@link synth4dBatches}. */
export interface Synth4dBatchesOptions {
  task: string;
  split?: Split;
  /** Clips per batch (>= 1). */
  batchSize: number;
  /** First clip index in the split (default 0). */
  start?: number;
  /** Clips in total; omit for an endless stream. */
  count?: number;
  /** Worker threads rendering ahead (0: render in this thread; default 0). */
  workers?: number;
  knobs?: Difficulty;
}

/** One batch: the clips stacked `[B, T, H, W, 3]` and every sample with its ground truth. */
export interface Synth4dBatch {
  readonly clips: ClipBatch;
  readonly samples: readonly Synth4dSample[];
  /** Clip indices within the split. */
  readonly indices: readonly number[];
}

/**
 * On-the-fly data: renders a task's clips inside the data loader, one batch ahead, in split order
 * (clip i has seed `splitSeed(split, start + i)`, the same clip a generated dataset holds).
 * @example
 * for await (const batch of synth4dBatches({ task: 'depth', batchSize: 4, count: 16 })) batch.clips.shape; // [4, 16, 64, 64, 3]
 * @throws ConfigError for an unknown task or bad sizes.
 */
export async function* synth4dBatches(options: Synth4dBatchesOptions): AsyncGenerator<Synth4dBatch> {
  const { batchSize } = options;
  const split = options.split ?? 'train';
  const start = options.start ?? 0;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new ConfigError(`batchSize must be a positive integer, got ${batchSize}`, {
      key: 'batchSize',
      value: batchSize,
    });
  if (options.count !== undefined && (!Number.isInteger(options.count) || options.count < 0))
    throw new ConfigError(`count must be a non-negative integer, got ${options.count}`, {
      key: 'count',
      value: options.count,
    });
  const config = taskConfig(options.task, options.knobs);
  const end = options.count === undefined ? Number.POSITIVE_INFINITY : start + options.count;
  const pool = new RenderPool(options.workers ?? 0);
  const launch = (from: number) => {
    const indices: number[] = [];
    for (let i = from; i < Math.min(end, from + batchSize); i++) indices.push(i);
    const all = Promise.all(indices.map((i) => pool.render(config, splitSeed(split, i))));
    all.catch(() => {});
    return { indices, all };
  };
  try {
    let next = start < end ? launch(start) : undefined;
    while (next) {
      const current = next;
      const after = current.indices[current.indices.length - 1] + 1;
      next = after < end ? launch(after) : undefined;
      const samples = await current.all;
      const B = samples.length;
      const { frames: T, height: H, width: W } = config;
      const data = new Float32Array(B * T * H * W * 3);
      samples.forEach((s, b) => {
        data.set(s.rgb, b * T * H * W * 3);
      });
      yield { clips: { data, shape: [B, T, H, W, 3] }, samples, indices: current.indices };
    }
  } finally {
    await pool.close();
  }
}
