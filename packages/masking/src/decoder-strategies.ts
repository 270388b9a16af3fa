import type { SeedOrRng } from '@vfmkit/core';
import type { Budget } from './budget';
import { type DecoderMask, type DecoderSource, decoderMask } from './decoder-mask';
import type { CellSize } from './internal/running-cell';

/**
 * The decoder reconstructs every hidden token (MAE, VideoMAE). With a grid source: all N tokens.
 * @returns `target` `[N]`, `indices` `[M]` (= the encoder mask's `masked`).
 */
export function allDecoderMask(source: DecoderSource): DecoderMask {
  return decoderMask(source, { kind: 'all' });
}

/**
 * The decoder reconstructs k hidden tokens chosen uniformly at random (LVMAE's random baseline).
 * @param budget `{ fraction }` of all N tokens (k = round(fraction x N)) or `{ count }`.
 * @throws MaskBudgetError when k exceeds the hidden tokens.
 */
export function randomDecoderMask(source: DecoderSource, budget: Budget, seed: SeedOrRng): DecoderMask {
  return decoderMask(source, { kind: 'random', budget }, seed);
}

/**
 * The decoder reconstructs k hidden tokens evenly strided through them in token order (LVMAE's uniform
 * baseline): candidate `floor((i + phase) x C / k)` for i = 0..k-1, C = number of candidates.
 * Deterministic.
 * @throws MaskBudgetError when k exceeds the hidden tokens.
 */
export function uniformDecoderMask(
  source: DecoderSource,
  budget: Budget,
  options: { readonly phase?: number } = {},
): DecoderMask {
  return decoderMask(source, { kind: 'uniform', budget, ...options });
}

/**
 * Running-cell decoder mask (VideoMAE V2 dual masking): the decoder reconstructs `fraction`
 * (default 0.5) of each `cell` (default 2 x 2), the pattern shifting one position per time slice.
 * With a grid source exactly `fraction x N` tokens, as V2; with an encoder mask, only its hidden tokens.
 */
export function runningCellDecoderMask(
  source: DecoderSource,
  seed: SeedOrRng,
  options: { readonly fraction?: number; readonly cell?: CellSize; readonly offset?: number } = {},
): DecoderMask {
  return decoderMask(source, { kind: 'running-cell', ...options }, seed);
}

/**
 * Adaptive decoder mask (LVMAE): the top k hidden tokens by `priority`, ties to the lower token index,
 * in O(N) (radix select). With `sample`, k tokens drawn without replacement with probability
 * proportional to `priority^(1/temperature)` (Gumbel top-k), reproducible from `sample.seed`.
 *
 * @param priority `[N]` per-token priority, higher = more important (e.g. a learned tokenizer's scores).
 * @param budget `{ fraction }` of all N tokens (LVMAE: about 0.15) or `{ count }`.
 * @throws ShapeError when `priority` is not `[N]`; PriorityError for a NaN (or, when sampling, a
 *   negative) priority; MaskBudgetError when k exceeds the candidates.
 */
export function adaptiveDecoderMask(
  source: DecoderSource,
  priority: Float32Array,
  budget: Budget,
  options: { readonly sample?: { readonly seed: SeedOrRng; readonly temperature?: number } } = {},
): DecoderMask {
  const sample = options.sample;
  return decoderMask(
    source,
    {
      kind: 'adaptive',
      budget,
      priority,
      ...(sample ? { sample: { temperature: sample.temperature ?? 1 } } : {}),
    },
    sample?.seed,
  );
}
