import type { ClipBatch } from '@vfmkit/core';
import type { ReadoutTask } from '@vfmkit/probes';
import type { SkipReport } from '@vfmkit/video';

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

/** A task's clips at one clip size: the readout task, its train and test clips, and their cache key. */
export interface TaskData<S extends EvalClip = EvalClip> {
  readonly task: ReadoutTask<S, unknown, unknown>;
  readonly train: readonly S[];
  readonly test: readonly S[];
  /** Identifies the clips (not the task) in the feature cache, e.g. `synth4d/depth:48:16:8x32x32`. */
  readonly dataKey: string;
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
