import { ConfigError } from './errors';

/** One video clip: `[T, H, W, C]` float32 in [0, 1], channels last, t-major. */
export interface Clip {
  readonly data: Float32Array;
  /** `[T, H, W, C]` */
  readonly shape: readonly [number, number, number, number];
}

/** A batch of clips: `[B, T, H, W, C]` float32 in [0, 1]. */
export interface ClipBatch {
  readonly data: Float32Array;
  /** `[B, T, H, W, C]` */
  readonly shape: readonly [number, number, number, number, number];
}

/** Tubelet size `[t, h, w]`: frames and pixels per token along time, height, width. */
export type Tubelet = readonly [number, number, number];

/** The grid of tokens of a clip: N = t * h * w tokens, ordered t-major (t, then h, then w). */
export interface TokenGrid {
  readonly t: number;
  readonly h: number;
  readonly w: number;
}

/** Number of tokens in a grid. */
export function tokenCount(grid: TokenGrid): number {
  return grid.t * grid.h * grid.w;
}

/**
 * The token grid of a `[T, H, W]` clip cut into tubelets.
 * @throws ConfigError when a clip dimension is not a positive multiple of the tubelet's.
 * @example tokenGridOf([16, 224, 224], [2, 16, 16]) // -> { t: 8, h: 14, w: 14 }
 */
export function tokenGridOf(clip: readonly [number, number, number], tubelet: Tubelet): TokenGrid {
  const names = ['frames', 'height', 'width'] as const;
  const out = [0, 0, 0];
  for (let i = 0; i < 3; i++) {
    const size = clip[i];
    const step = tubelet[i];
    if (!Number.isInteger(step) || step <= 0) {
      throw new ConfigError(`tubelet ${names[i]} must be a positive integer, got ${step}`, {
        key: `tubelet.${i}`,
        value: step,
      });
    }
    if (!Number.isInteger(size) || size <= 0 || size % step !== 0) {
      throw new ConfigError(`clip ${names[i]} ${size} is not a positive multiple of the tubelet's ${step}`, {
        key: names[i],
        value: size,
        tubelet: step,
      });
    }
    out[i] = size / step;
  }
  return { t: out[0], h: out[1], w: out[2] };
}
