import { assertShape, type Tubelet, tokenGridOf } from '@vfmkit/core';

/**
 * Cuts clips `[B, T, H, W, C]` into tubelets: `[B, N, t * p * p * C]` with N t-major and each row
 * ordered (dt, dy, dx, c), the layout `patch_embed.weight` expects.
 * @throws ShapeError / ConfigError when the data or sizes do not fit the tubelet.
 */
export function patchify(
  clips: Float32Array,
  shape: readonly [number, number, number, number, number],
  tubelet: Tubelet,
): Float32Array {
  const [b, tt, hh, ww, c] = shape;
  assertShape('clips', [clips.length], [b * tt * hh * ww * c]);
  const grid = tokenGridOf([tt, hh, ww], tubelet);
  const [t, ph, pw] = tubelet;
  const out = new Float32Array(clips.length);
  let o = 0;
  for (let bi = 0; bi < b; bi++)
    for (let gt = 0; gt < grid.t; gt++)
      for (let gh = 0; gh < grid.h; gh++)
        for (let gw = 0; gw < grid.w; gw++)
          for (let dt = 0; dt < t; dt++)
            for (let dy = 0; dy < ph; dy++) {
              const src = ((((bi * tt + gt * t + dt) * hh + gh * ph + dy) * ww + gw * pw) * c) | 0;
              out.set(clips.subarray(src, src + pw * c), o);
              o += pw * c;
            }
  return out;
}

/**
 * MAE pixel targets `[B, N, t * p * p * C]`: tubelets of `[0, 1]` clips, each normalised by its own
 * mean and variance, (x - mean) / sqrt(var + 1e-6), when `normalize` (MAE, VideoMAE), else raw.
 * Computed in float64.
 */
export function patchTargets(
  clips: Float32Array,
  shape: readonly [number, number, number, number, number],
  tubelet: Tubelet,
  normalize = true,
): Float32Array {
  const patches = patchify(clips, shape, tubelet);
  if (!normalize) return patches;
  const rowLen = tubelet[0] * tubelet[1] * tubelet[2] * shape[4];
  for (let r = 0; r < patches.length; r += rowLen) {
    let mean = 0;
    for (let j = 0; j < rowLen; j++) mean += patches[r + j];
    mean /= rowLen;
    let v = 0;
    for (let j = 0; j < rowLen; j++) v += (patches[r + j] - mean) ** 2;
    // VideoMAE uses the unbiased variance (torch .var(unbiased=True)).
    const std = Math.sqrt(v / (rowLen - 1) + 1e-6);
    for (let j = 0; j < rowLen; j++) patches[r + j] = (patches[r + j] - mean) / std;
  }
  return patches;
}
