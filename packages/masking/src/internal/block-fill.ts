import { ConfigError, type Rng, type TokenGrid } from '@vfmkit/core';

/**
 * Options of block-wise (BEVT-style) masking. The defaults follow BEiT's block generator in space
 * (blocks of at least 16 tokens, aspect ratio in [0.3, 1/0.3]); the temporal extent of a block is not
 * pinned down by the papers (unverified), so it is drawn uniformly from `[minFrames, maxFrames]`.
 */
export interface BlockMaskOptions {
  /** Smallest cross-section of a block in tokens (BEiT's `min_num_patches`), default 16, at most h*w. */
  readonly minArea?: number;
  /** Largest cross-section of a block in tokens, default h*w. */
  readonly maxArea?: number;
  /** Smallest aspect ratio (height / width) of a block; the largest is its inverse. Default 0.3. */
  readonly minAspect?: number;
  /** Fewest time slices a block spans, default 1. */
  readonly minFrames?: number;
  /** Most time slices a block spans, default t. */
  readonly maxFrames?: number;
}

/** Resolved block options. @internal */
export interface BlockPlan {
  readonly minArea: number;
  readonly maxArea: number;
  readonly logAspect: number;
  readonly minFrames: number;
  readonly maxFrames: number;
}

/** Validates block options against a grid. @internal */
export function planBlocks(grid: TokenGrid, o: BlockMaskOptions): BlockPlan {
  const plane = grid.h * grid.w;
  const int = (key: string, v: number, lo: number, hi: number) => {
    if (!Number.isInteger(v) || v < lo || v > hi) {
      throw new ConfigError(`block option ${key} must be an integer in [${lo}, ${hi}], got ${v}`, {
        key,
        value: v,
      });
    }
    return v;
  };
  const maxArea = int('maxArea', o.maxArea ?? plane, 1, plane);
  const minArea = int('minArea', o.minArea ?? Math.min(16, maxArea), 1, maxArea);
  const maxFrames = int('maxFrames', o.maxFrames ?? grid.t, 1, grid.t);
  const minFrames = int('minFrames', o.minFrames ?? 1, 1, maxFrames);
  const minAspect = o.minAspect ?? 0.3;
  if (typeof minAspect !== 'number' || !(minAspect > 0 && minAspect <= 1)) {
    throw new ConfigError(`block option minAspect must be in (0, 1], got ${minAspect}`, {
      key: 'minAspect',
      value: minAspect,
    });
  }
  return { minArea, maxArea, logAspect: Math.log(minAspect), minFrames, maxFrames };
}

/**
 * Hides exactly `count` tokens of `out[off .. off + N)` with space-time blocks (cuboids). Each block is
 * placed around a random still-visible token, so every block hides at least one new token; its
 * cross-section shrinks as the remaining need shrinks (as in BEiT), and the last block is cut off in
 * t-major scan order once `count` is reached. `vis` and `pos` are scratch arrays of length >= N.
 * Expected O(N): a block's volume is bounded by the remaining need (or its minimum size). @internal
 */
export function fillBlocks(
  grid: TokenGrid,
  plan: BlockPlan,
  count: number,
  rng: Rng,
  out: Uint8Array,
  off: number,
  vis: Int32Array,
  pos: Int32Array,
): void {
  const { t, h, w } = grid;
  const n = t * h * w;
  const plane = h * w;
  out.fill(0, off, off + n);
  for (let i = 0; i < n; i++) {
    vis[i] = i;
    pos[i] = i;
  }
  let visCount = n;
  let need = count;
  while (need > 0) {
    const bt = plan.minFrames + rng.int(plan.maxFrames - plan.minFrames + 1);
    const cap = Math.max(plan.minArea, Math.min(plan.maxArea, Math.ceil(need / bt)));
    const area = plan.minArea + rng.uniform() * (cap - plan.minArea);
    const aspect = Math.exp(rng.range(plan.logAspect, -plan.logAspect));
    const bh = Math.min(h, Math.max(1, Math.round(Math.sqrt(area * aspect))));
    const bw = Math.min(w, Math.max(1, Math.round(Math.sqrt(area / aspect))));
    const anchor = vis[rng.int(visCount)];
    const at = Math.floor(anchor / plane);
    const ay = Math.floor((anchor % plane) / w);
    const ax = anchor % w;
    const t0 = startAround(at, bt, t, rng);
    const y0 = startAround(ay, bh, h, rng);
    const x0 = startAround(ax, bw, w, rng);
    for (let tt = t0; tt < t0 + bt && need > 0; tt++) {
      for (let yy = y0; yy < y0 + bh && need > 0; yy++) {
        const rowBase = tt * plane + yy * w;
        for (let xx = x0; xx < x0 + bw && need > 0; xx++) {
          const idx = rowBase + xx;
          if (out[off + idx] === 1) continue;
          out[off + idx] = 1;
          need--;
          // swap-remove idx from the visible list
          const p = pos[idx];
          const last = vis[--visCount];
          vis[p] = last;
          pos[last] = p;
        }
      }
    }
  }
}

/** A start in [0, size - extent] such that [start, start + extent) contains `at`. */
function startAround(at: number, extent: number, size: number, rng: Rng): number {
  const start = at - rng.int(extent);
  return Math.min(Math.max(start, 0), size - extent);
}
