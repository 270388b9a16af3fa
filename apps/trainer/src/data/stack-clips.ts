import { type Clip, type ClipBatch, ShapeError } from '@vfmkit/core';

/**
 * Stacks clips of one shape `[T, H, W, C]` into a batch `[B, T, H, W, C]`.
 * @throws ShapeError naming the first clip whose shape differs from clip 0's.
 */
export function stackClips(clips: readonly Clip[]): ClipBatch {
  const shape = clips[0].shape;
  const size = clips[0].data.length;
  const data = new Float32Array(clips.length * size);
  clips.forEach((clip, i) => {
    if (clip.shape.some((d, k) => d !== shape[k]))
      throw new ShapeError(`clip ${i} is [${clip.shape.join(', ')}], clip 0 is [${shape.join(', ')}]`, {
        name: `clips[${i}]`,
        expected: [...shape],
        actual: [...clip.shape],
      });
    data.set(clip.data, i * size);
  });
  return { data, shape: [clips.length, ...shape] };
}
