import type { Clip, Rng, TokenGrid } from '@vfmkit/core';
import { decoderMaskBatch, encoderMaskBatch } from '@vfmkit/masking';
import type { Batch } from '@vfmkit/nn';
import type { ClipTransform } from '@vfmkit/video';
import type { TrainConfig } from '../config/schema';

/** The masks of one MAE batch, in the MAE convention (`hidden` 1 = removed from the encoder). */
export interface MaeBatchMasks {
  /** `[B, N]` 1 = hidden from the encoder. */
  readonly hidden: Uint8Array;
  /** `[B, K]` visible token ids. */
  readonly visible: Int32Array;
  /** `[B, Kd]` token ids the decoder reconstructs. */
  readonly decode: Int32Array;
}

/**
 * Encoder and decoder masks for B clips from the recipe's masking config: VideoMAE's tube masking
 * with `decoder: all` reconstructs every hidden token; VideoMAE V2's dual masking keeps a subset
 * (`random`: a fraction of all N tokens drawn from the hidden ones; `running-cell`: V2's cell pattern).
 */
export function maeMasks(
  batch: number,
  grid: TokenGrid,
  masking: TrainConfig['masking'],
  rng: Rng,
): MaeBatchMasks {
  const enc = encoderMaskBatch(batch, grid, masking.encoder, rng);
  const d = masking.decoder;
  let decode: Int32Array;
  if (d.kind === 'all') decode = enc.masked;
  else if (d.kind === 'random')
    decode = decoderMaskBatch(enc, { kind: 'random', budget: { fraction: d.ratio } }, rng).indices;
  else decode = decoderMaskBatch({ grid, batch }, { kind: 'running-cell', fraction: d.ratio }, rng).indices;
  return { hidden: enc.hidden, visible: enc.keep, decode };
}

/**
 * Assembles one MAE batch: applies the view's augmentation to each clip (its own RNG stream), stacks
 * them into `[B, T, H, W, 3]`, and draws the masks.
 */
export function maeBatch(
  clips: readonly Clip[],
  view: ClipTransform,
  grid: TokenGrid,
  config: TrainConfig,
  rng: Rng,
): { batch: Batch; masks: MaeBatchMasks } {
  const views = clips.map((c) => view.apply(c, rng.fork()));
  const [t, h, w, ch] = views[0].shape;
  const data = new Float32Array(views.length * t * h * w * ch);
  views.forEach((v, i) => {
    data.set(v.data, i * v.data.length);
  });
  const masks = maeMasks(views.length, grid, config.masking, rng);
  const b = views.length;
  const k = masks.visible.length / b;
  const kd = masks.decode.length / b;
  return {
    batch: {
      clips: { data, shape: [b, t, h, w, ch] },
      visible: { data: masks.visible, shape: [b, k] },
      decode: { data: masks.decode, shape: [b, kd] },
    },
    masks,
  };
}
