import { assertLength, ConfigError, type Rng, type SeedOrRng, type TokenGrid, toRng } from '@vfmkit/core';
import { type Budget, resolveBudget } from './budget';
import { checkBatch } from './encoder-mask';
import { RaggedBatchError } from './errors';
import { checkGrid } from './grid';
import { adaptiveRow, checkTemperature } from './internal/adaptive-plan';
import { chooseInto } from './internal/choose';
import { type CellSize, checkCell, checkOffset, fillRunningCell } from './internal/running-cell';
import type { TokenMask, TokenMaskBatch } from './token-mask';

/**
 * Which tokens the decoder must reconstruct, in both forms. `target[i] === 1` means the decoder
 * reconstructs token i (a mask token is placed there and the loss covers it).
 */
export interface DecoderMask {
  readonly grid: TokenGrid;
  /** `[N]` 1 = reconstructed by the decoder. */
  readonly target: Uint8Array;
  /** `[K]` reconstructed token indices, ascending. */
  readonly indices: Int32Array;
}

/** Decoder masks for B clips as flat arrays; every row reconstructs the same count K. */
export interface DecoderMaskBatch {
  readonly grid: TokenGrid;
  /** B */
  readonly batch: number;
  /** K, tokens reconstructed per clip. */
  readonly count: number;
  /** `[B, N]` 1 = reconstructed. */
  readonly target: Uint8Array;
  /** `[B, K]` reconstructed token indices per row, ascending (a gather index). */
  readonly indices: Int32Array;
}

/**
 * What the decoder chooses from: an encoder mask (its hidden tokens are the candidates) or a bare grid
 * (all N tokens are candidates, e.g. LVMAE-style selection over the whole clip).
 */
export type DecoderSource = TokenMask | TokenGrid;
/** Batch form of {@link DecoderSource}: encoder masks for B clips, or a grid and a batch size. */
export type DecoderBatchSource = TokenMaskBatch | { readonly grid: TokenGrid; readonly batch: number };

/**
 * Which decoder mask to make (budgets count from ALL N tokens, see {@link Budget}):
 * - `all`: every candidate (plain MAE / VideoMAE).
 * - `random`: k candidates uniformly at random.
 * - `uniform`: k candidates evenly strided through the candidates in token order: candidate
 *   `floor((i + phase) x C / k)` for i = 0..k-1 (`phase` in [0, 1), default 0).
 * - `running-cell`: VideoMAE V2's dual masking; the decoder reconstructs a `fraction` (default 0.5) of
 *   each cell, shifting per time slice (V2's `decoder_mask_ratio` = 1 - fraction). With a grid source
 *   K = fraction x N exactly, as in V2 (which may include encoder-visible tokens); with an encoder
 *   mask source only hidden tokens are kept, so K varies per clip (a batch then throws RaggedBatchError).
 * - `adaptive`: the top k candidates by `priority` (LVMAE), ties to the lower token index; with
 *   `sample`, k drawn without replacement proportional to `priority^(1/temperature)` (Gumbel top-k).
 */
export type DecoderMaskSpec =
  | { readonly kind: 'all' }
  | { readonly kind: 'random'; readonly budget: Budget }
  | { readonly kind: 'uniform'; readonly budget: Budget; readonly phase?: number }
  | {
      readonly kind: 'running-cell';
      readonly fraction?: number;
      readonly cell?: CellSize;
      readonly offset?: number;
    }
  | {
      readonly kind: 'adaptive';
      readonly budget: Budget;
      /** `[N]` for one clip, `[B, N]` for a batch; higher = more important. */
      readonly priority: Float32Array;
      readonly sample?: { readonly temperature?: number };
    };

/** One validated decoder strategy. `row` writes ascending token indices to `out` and returns K. */
interface DecoderPlan {
  /** K when fixed for every row, or -1 when it depends on the row. */
  readonly k: number;
  row(b: number, cand: Int32Array, out: Int32Array): number;
}

function needRng(rng: Rng | null, kind: string): Rng {
  if (rng === null) {
    throw new ConfigError(`decoder mask kind '${kind}' is random: pass a seed or an Rng`, { key: 'seed' });
  }
  return rng;
}

function planDecoder(
  grid: TokenGrid,
  n: number,
  available: number,
  fromGrid: boolean,
  batch: number,
  spec: DecoderMaskSpec,
  rng: Rng | null,
): DecoderPlan {
  if (spec === null || typeof spec !== 'object') {
    throw new ConfigError('decoder mask spec must be an object with a kind', { key: 'spec', value: spec });
  }
  switch (spec.kind) {
    case 'all':
      return {
        k: available,
        row: (_b, cand, out) => {
          out.set(cand);
          return cand.length;
        },
      };
    case 'random': {
      const k = resolveBudget(spec.budget, n, available);
      const r = needRng(rng, 'random');
      const flags = new Uint8Array(available);
      const pool = new Int32Array(available);
      return {
        k,
        row: (_b, cand, out) => {
          chooseInto(flags, 0, available, k, r, pool);
          let o = 0;
          for (let j = 0; j < available; j++) if (flags[j] === 1) out[o++] = cand[j];
          return o;
        },
      };
    }
    case 'uniform': {
      const k = resolveBudget(spec.budget, n, available);
      const phase = spec.phase ?? 0;
      if (typeof phase !== 'number' || !(phase >= 0 && phase < 1)) {
        throw new ConfigError(`uniform phase must be in [0, 1), got ${phase}`, {
          key: 'phase',
          value: phase,
        });
      }
      return {
        k,
        row: (_b, cand, out) => {
          for (let i = 0; i < k; i++)
            out[i] = cand[Math.min(available - 1, Math.floor(((i + phase) * available) / k))];
          return k;
        },
      };
    }
    case 'running-cell': {
      const cell = spec.cell ?? ([2, 2] as const);
      const area = checkCell(grid, cell);
      const fraction = spec.fraction ?? 0.5;
      const kept = fraction * area;
      if (
        typeof fraction !== 'number' ||
        !(fraction > 0 && fraction <= 1) ||
        Math.abs(kept - Math.round(kept)) > 1e-9
      ) {
        throw new ConfigError(
          `running-cell fraction must be in (0, 1] and give a whole number of tokens per ${area}-token cell, got ${fraction}`,
          { key: 'fraction', value: fraction, cellArea: area },
        );
      }
      const dropped = area - Math.round(kept);
      if (spec.offset !== undefined) checkOffset(spec.offset, area);
      const r = spec.offset === undefined ? needRng(rng, 'running-cell') : null;
      const pattern = new Uint8Array(n);
      return {
        k: fromGrid ? (n / area) * Math.round(kept) : -1,
        row: (_b, cand, out) => {
          fillRunningCell(grid, cell, dropped, spec.offset ?? (r as Rng).int(area), pattern, 0);
          let o = 0;
          for (let j = 0; j < cand.length; j++) if (pattern[cand[j]] === 0) out[o++] = cand[j];
          return o;
        },
      };
    }
    case 'adaptive': {
      const k = resolveBudget(spec.budget, n, available);
      if (!(spec.priority instanceof Float32Array)) {
        throw new ConfigError('adaptive priority must be a Float32Array', { key: 'priority' });
      }
      assertLength('priority', spec.priority, batch === 0 ? [n] : [batch, n]);
      let r: Rng | null = null;
      let temperature = 1;
      if (spec.sample !== undefined) {
        r = needRng(rng, 'adaptive (sample)');
        temperature = spec.sample.temperature ?? 1;
        checkTemperature(temperature);
      }
      const priority = spec.priority;
      return {
        k,
        row: (b, cand, out) =>
          adaptiveRow(priority, b * n, n, fromGrid ? null : cand, k, out, b, r, temperature),
      };
    }
    default:
      throw new ConfigError(
        `unknown decoder mask kind ${JSON.stringify((spec as { kind?: unknown }).kind)}; expected all, random, uniform, running-cell or adaptive`,
        { key: 'kind', value: (spec as { kind?: unknown }).kind },
      );
  }
}

function iota(n: number): Int32Array {
  const a = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  return a;
}

function isTokenMask(s: DecoderSource): s is TokenMask {
  return typeof s === 'object' && s !== null && 'masked' in s && 'grid' in s;
}

/**
 * One decoder mask: which tokens of `source` the decoder reconstructs.
 * @param source an encoder mask (candidates: its hidden tokens) or a grid (candidates: all N tokens).
 * @param seed needed by `random`, `running-cell` without `offset`, and `adaptive` with `sample`.
 * @returns `target` `[N]` (1 = reconstructed) and `indices` `[K]` ascending.
 * @throws MaskBudgetError when the budget exceeds the candidates; PriorityError for NaN (or negative
 *   when sampling) priorities; ShapeError for a priority that is not `[N]`; ConfigError for bad options.
 */
export function decoderMask(source: DecoderSource, spec: DecoderMaskSpec, seed?: SeedOrRng): DecoderMask {
  const fromGrid = !isTokenMask(source);
  const grid = fromGrid ? (source as TokenGrid) : source.grid;
  const n = checkGrid(grid);
  if (!fromGrid) assertLength('source.hidden', (source as TokenMask).hidden, [n]);
  const cand = fromGrid ? iota(n) : (source as TokenMask).masked;
  const rng = seed === undefined ? null : toRng(seed);
  const plan = planDecoder(grid, n, cand.length, fromGrid, 0, spec, rng);
  const scratch = new Int32Array(cand.length);
  const k = plan.row(0, cand, scratch);
  const indices = scratch.slice(0, k);
  const target = new Uint8Array(n);
  for (let i = 0; i < k; i++) target[indices[i]] = 1;
  return { grid, target, indices };
}

/**
 * Decoder masks for a batch: row b uses row b of the encoder masks (or all tokens for a grid source),
 * and row b of a `[B, N]` priority for `adaptive`. Random kinds share one `Rng` made from `seed`,
 * row after row, so row b equals the b-th of B successive {@link decoderMask} calls with that `Rng`.
 * @returns `target` `[B, N]` and `indices` `[B, K]` (a gather index; ascending per row).
 * @throws RaggedBatchError when rows would reconstruct different counts; others as {@link decoderMask}.
 */
export function decoderMaskBatch(
  source: DecoderBatchSource,
  spec: DecoderMaskSpec,
  seed?: SeedOrRng,
): DecoderMaskBatch {
  const grid = source.grid;
  const n = checkGrid(grid);
  const batch = source.batch;
  checkBatch(batch);
  const masks = 'masked' in source ? (source as TokenMaskBatch) : null;
  if (masks) assertLength('source.masked', masks.masked, [batch, masks.maskedCount]);
  const available = masks ? masks.maskedCount : n;
  const shared = masks ? null : iota(n);
  const rng = seed === undefined ? null : toRng(seed);
  const plan = planDecoder(grid, n, available, masks === null, batch, spec, rng);
  const scratch = new Int32Array(available);
  const target = new Uint8Array(batch * n);
  let k = plan.k;
  let indices = new Int32Array(k >= 0 ? batch * k : 0);
  for (let b = 0; b < batch; b++) {
    const cand = masks ? masks.masked.subarray(b * available, (b + 1) * available) : (shared as Int32Array);
    const got = plan.row(b, cand, scratch);
    if (k < 0) {
      k = got;
      indices = new Int32Array(batch * k);
    }
    if (got !== k) {
      throw new RaggedBatchError(
        `decoder mask row ${b} reconstructs ${got} tokens but row 0 reconstructs ${k}; a [B, K] index needs equal rows`,
        { row: b, count: got, expected: k },
      );
    }
    indices.set(scratch.subarray(0, k), b * k);
    const off = b * n;
    for (let i = 0; i < k; i++) target[off + scratch[i]] = 1;
  }
  return { grid, batch, count: k, target, indices };
}
