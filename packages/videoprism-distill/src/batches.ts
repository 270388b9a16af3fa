import { type ClipBatch, type SeedOrRng, ShapeError, type TokenGrid, tokenCount, toRng } from '@vfmkit/core';
import type { BlockMaskOptions } from '@vfmkit/masking';
import { distillMasks, tubeDropBatch } from './masks';
import type { TokenizedText } from './text/text-tokenizer';

/**
 * A training batch as named row-major arrays whose first dimension is the batch (the shape of
 * `@vfmkit/nn`'s `Batch`, so data-parallel training can shard it).
 */
export type BatchArrays = Record<
  string,
  { readonly data: Float32Array | Int32Array; readonly shape: readonly number[] }
>;

function checkGrid(clips: ClipBatch, grid: TokenGrid): number {
  const b = clips.shape[0];
  if (!(b > 0) || clips.data.length !== clips.shape.reduce((x, y) => x * y, 1))
    throw new ShapeError(`clips data does not fill [${clips.shape.join(', ')}]`, {
      name: 'clips',
      expected: [...clips.shape],
      actual: [clips.data.length],
    });
  return tokenCount(grid);
}

/**
 * One stage-1 batch for `ContrastiveModel`: `clips` `[B, T, H, W, 3]`, `ids` `[B, L]` int32, `mask`
 * `[B, L]` float32 and, with `tubeDrop` > 0, `visible` `[B, K]` int32 (the tube drop: one spatial mask per
 * clip shared by every time slice, K = t x (h x w - floor(tubeDrop x h x w))).
 * @param grid the clips' token grid (frames / tubelet, ...)
 * @throws ShapeError when the captions are not one per clip.
 */
export function contrastiveBatch(
  clips: ClipBatch,
  text: TokenizedText,
  grid: TokenGrid,
  tubeDrop: number,
  seed: SeedOrRng,
): BatchArrays {
  checkGrid(clips, grid);
  const b = clips.shape[0];
  if (text.shape[0] !== b)
    throw new ShapeError(`${text.shape[0]} captions for ${b} clips`, {
      name: 'ids',
      expected: [b, text.shape[1]],
      actual: [...text.shape],
    });
  const out: BatchArrays = {
    clips: { data: clips.data, shape: [...clips.shape] },
    ids: { data: text.ids, shape: [...text.shape] },
    mask: { data: text.mask, shape: [...text.shape] },
  };
  if (tubeDrop > 0) {
    const visible = tubeDropBatch(b, grid, tubeDrop, toRng(seed));
    out.visible = { data: visible, shape: [b, visible.length / b] };
  }
  return out;
}

/**
 * One stage-2 batch for `DistillModel`: `clips` `[B, T, H, W, 3]`, BEVT block masks `visible` `[B, K]` and
 * `masked` `[B, M]` int32 (M = floor(ratio x N)) and the local decoder's input order `order` `[B, N]`
 * int32 (a random permutation per clip, the identity with `shuffle: false`); see `distillMasks`.
 */
export function distillBatch(
  clips: ClipBatch,
  grid: TokenGrid,
  options: { readonly ratio: number; readonly block?: BlockMaskOptions; readonly shuffle?: boolean },
  seed: SeedOrRng,
): BatchArrays {
  const n = checkGrid(clips, grid);
  const b = clips.shape[0];
  const m = distillMasks(b, grid, options, seed);
  return {
    clips: { data: clips.data, shape: [...clips.shape] },
    visible: { data: m.visible, shape: [b, m.keepCount] },
    masked: { data: m.masked, shape: [b, m.maskedCount] },
    order: { data: m.order, shape: [b, n] },
  };
}
