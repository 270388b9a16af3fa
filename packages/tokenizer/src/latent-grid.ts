import { ConfigError, type TokenGrid } from '@vfmkit/core';
import { ClipSizeError } from './errors';

const AXES = ['frames', 'height', 'width'] as const;

/**
 * The latent grid `[T', H', W']` of a `[T, H, W]` clip under downsampling factors `[ft, fh, fw]`:
 * `T' = T / ft`, `H' = H / fh`, `W' = W / fw`. One latent token covers an `ft x fh x fw` tubelet, the
 * same cell as a ViT token with that tubelet, and tokens are ordered t-major like the ViT's.
 * @throws ClipSizeError when a clip dimension is not a positive multiple of its factor.
 * @throws ConfigError when a factor is not a positive integer.
 * @example latentGrid([16, 224, 224], [2, 16, 16]) // { t: 8, h: 14, w: 14 }
 */
export function latentGrid(
  clip: readonly [number, number, number],
  downsample: readonly [number, number, number],
): TokenGrid {
  const out = [0, 0, 0];
  for (let i = 0; i < 3; i++) {
    const f = downsample[i];
    if (!Number.isInteger(f) || f <= 0)
      throw new ConfigError(`downsampling factor for ${AXES[i]} must be a positive integer, got ${f}`, {
        key: `downsample.${i}`,
        value: f,
      });
    const size = clip[i];
    if (!Number.isInteger(size) || size <= 0 || size % f !== 0)
      throw new ClipSizeError(
        `clip ${AXES[i]} ${size} is not a positive multiple of the downsampling factor ${f}`,
        { axis: AXES[i], size, factor: f },
      );
    out[i] = size / f;
  }
  return { t: out[0], h: out[1], w: out[2] };
}
