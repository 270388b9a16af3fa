import { type Clip, ConfigError, type Rng, type TokenGrid } from '@vfmkit/core';
import { decoderMaskBatch, encoderMaskBatch, type TokenMaskBatch } from '@vfmkit/masking';
import type { Batch } from '@vfmkit/nn';
import type { TrainConfig } from '../config/schema';
import type { LvmaeConfig } from './lvmae-config';
import type { ClipTokens } from './lvmae-tokenizer';

/** The masks of one LVMAE batch. */
export interface LvmaeMasks {
  /** `[B, N]` 1 = hidden from the encoder. */
  readonly hidden: Uint8Array;
  /** `[B, K]` visible token ids (ascending). */
  readonly visible: Int32Array;
  /** `[B, Kd]` token ids the decoder reconstructs (ascending), `Kd = round(budget x N)`. */
  readonly decode: Int32Array;
}

/**
 * The decoder's selection at `budget` among the encoder's hidden tokens (the candidates), by kind:
 * - `adaptive`: the top `round(budget x N)` hidden tokens by the tokenizer's priority `[B, N]`, ties to
 *   the lower index (LVMAE);
 * - `random`: that many hidden tokens uniformly at random;
 * - `uniform`: evenly strided through the hidden tokens, with a random phase per batch;
 * - `running-cell`: VideoMAE V2's running-cell pattern (2x2 cells, half of each cell, shifting per time
 *   slice) ranks first, and k tokens are drawn at random from the hidden tokens it covers (then from
 *   the rest if it covers fewer than k), so the budget is the same as for the other kinds.
 * @param priorities `[B, N]`; required by `adaptive`.
 */
export function lvmaeDecoderMask(
  enc: TokenMaskBatch,
  kind: LvmaeConfig['decoder'],
  budget: number,
  priorities: Float32Array | null,
  rng: Rng,
): Int32Array {
  const b = enc.batch;
  const fraction = { fraction: budget };
  if (kind === 'adaptive') {
    if (!priorities)
      throw new ConfigError('adaptive decoder masking needs the tokenizer priorities', {
        key: 'lvmae.tokenizer',
      });
    return decoderMaskBatch(enc, { kind: 'adaptive', budget: fraction, priority: priorities }).indices;
  }
  if (kind === 'random') return decoderMaskBatch(enc, { kind: 'random', budget: fraction }, rng).indices;
  if (kind === 'uniform')
    return decoderMaskBatch(enc, { kind: 'uniform', budget: fraction, phase: rng.uniform() }).indices;
  const pattern = decoderMaskBatch(
    { grid: enc.grid, batch: b },
    { kind: 'running-cell', fraction: 0.5, cell: [2, 2] },
    rng,
  ).target;
  const rank = new Float32Array(pattern.length);
  for (let i = 0; i < rank.length; i++) rank[i] = pattern[i] + 0.5 * rng.uniform();
  return decoderMaskBatch(enc, { kind: 'adaptive', budget: fraction, priority: rank }).indices;
}

/**
 * Encoder and decoder masks for B clips: the encoder mask of `config.masking.encoder` (tube or random at
 * its ratio), then {@link lvmaeDecoderMask}.
 */
export function lvmaeMasks(
  grid: TokenGrid,
  config: TrainConfig,
  lvmae: LvmaeConfig,
  priorities: Float32Array | null,
  batch: number,
  rng: Rng,
): LvmaeMasks {
  const enc = encoderMaskBatch(batch, grid, config.masking.encoder, rng);
  const decode = lvmaeDecoderMask(enc, lvmae.decoder, lvmae.budget, priorities, rng);
  return { hidden: enc.hidden, visible: enc.keep, decode };
}

/**
 * One LVMAE batch: clips stacked to `clips` `[B, T, H, W, 3]`, `visible` `[B, K]`, `decode` `[B, Kd]`,
 * and for token targets `tokenIds` `[B, N]` (every token's id; the loss gathers the decoded ones). No
 * augmentation: the ids describe the clip as the tokenizer saw it.
 * @param tokens per clip ids and priorities (`[N]` each) from the frozen tokenizer, or null when neither
 *   the targets nor the decoder mask need them.
 */
export function lvmaeBatch(
  clips: readonly Clip[],
  tokens: readonly ClipTokens[] | null,
  grid: TokenGrid,
  config: TrainConfig,
  lvmae: LvmaeConfig,
  rng: Rng,
): { batch: Batch; masks: LvmaeMasks } {
  const b = clips.length;
  const [t, h, w, ch] = clips[0].shape;
  const data = new Float32Array(b * t * h * w * ch);
  clips.forEach((c, i) => {
    data.set(c.data, i * c.data.length);
  });
  const n = grid.t * grid.h * grid.w;
  let priorities: Float32Array | null = null;
  let ids: Int32Array | null = null;
  if (tokens) {
    priorities = new Float32Array(b * n);
    ids = new Int32Array(b * n);
    tokens.forEach((tk, i) => {
      priorities?.set(tk.priorities, i * n);
      ids?.set(tk.ids, i * n);
    });
  }
  const masks = lvmaeMasks(grid, config, lvmae, priorities, b, rng);
  const batch: Batch = {
    clips: { data, shape: [b, t, h, w, ch] },
    visible: { data: masks.visible, shape: [b, masks.visible.length / b] },
    decode: { data: masks.decode, shape: [b, masks.decode.length / b] },
  };
  if (lvmae.target === 'tokens' && ids) batch.tokenIds = { data: ids, shape: [b, n] };
  return { batch, masks };
}
