import type { ClipBatch } from '@vfmkit/core';
import type { ReadoutTask } from '@vfmkit/probes';
import { DecodePool, type SkipReport } from '@vfmkit/video';

/** A clip the evaluator embeds: `rgb` is `[T, H, W, 3]` float32 in [0, 1] at the encoder's clip size. */
export interface EvalClip {
  readonly rgb: Float32Array;
}

/** Stacks clips of size `[T, H, W]` into one `[B, T, H, W, 3]` batch. */
export function stackClips(clips: readonly EvalClip[], [T, H, W]: readonly number[]): ClipBatch {
  const size = T * H * W * 3;
  const data = new Float32Array(clips.length * size);
  clips.forEach((c, i) => {
    data.set(c.rgb, i * size);
  });
  return { data, shape: [clips.length, T, H, W, 3] };
}

/**
 * A set of clips the encoder embeds once (features cached under `dataKey`): `count` clips of
 * `[T, H, W, 3]` float32 in [0, 1] at the encoder's clip size, made on demand by `clipAt` (from memory,
 * or decoded from a video), so a set can be larger than memory. Several tasks may share one set.
 */
export interface ClipSet {
  /** Identifies the clips in the feature cache, e.g. `synth4d/depth:48:16:8x32x32:train`. */
  readonly dataKey: string;
  readonly count: number;
  /** Clip `index`, `[T, H, W, 3]`. */
  clipAt(index: number): Float32Array | Promise<Float32Array>;
  /** Batches made ahead of the one embedded (`extractFeatureStream`'s prefetch): > 0 where `clipAt` decodes. */
  readonly prefetch: number;
}

/** A clip set held in memory as `clips[i].rgb`. */
export function clipsInMemory(dataKey: string, clips: readonly EvalClip[]): ClipSet {
  return { dataKey, count: clips.length, clipAt: (i) => clips[i].rgb, prefetch: 0 };
}

/** One split of a task: its samples' ground truth, and which clips of a set they are. */
export interface TaskSplitData<S = unknown> {
  readonly clips: ClipSet;
  /** `rows[k]` is the clip of `samples[k]` in `clips`. */
  readonly rows: readonly number[];
  readonly samples: readonly S[];
}

/**
 * A split's samples with their pixels (`rgb`, `[T, H, W, 3]`), for the methods that train inside the
 * backbone: these hold the split's clips in memory (made two at a time).
 */
export async function withPixels<S>({ clips, rows, samples }: TaskSplitData<S>): Promise<(S & EvalClip)[]> {
  const pool = new DecodePool(2);
  return Promise.all(
    rows.map((row, k) => pool.run(async () => ({ ...samples[k], rgb: await clips.clipAt(row) }))),
  );
}

/** A task's data at one clip size: the readout task and its train and test splits. */
export interface TaskData<S = unknown> {
  readonly task: ReadoutTask<S, unknown, unknown>;
  readonly train: TaskSplitData<S>;
  readonly test: TaskSplitData<S>;
  /** The task's videos that could not be read and were left out (manifest data), with why. */
  readonly skipped?: readonly SkipReport[];
}

/** Where a task's clips come from: synth4d rendering or a video manifest. */
export interface TaskSource {
  /** The task's name in reports, e.g. `synth4d/depth` or `my-videos/classification`. */
  readonly name: string;
  readonly headline: string;
  readonly scoreName: string;
  /**
   * The task's clips at an encoder's clip size `[T, H, W]`.
   * @param log progress lines.
   */
  load(clip: readonly number[], log: (line: string) => void): Promise<TaskData>;
}
