import type { ClipBatch, Tubelet } from '@vfmkit/core';
import { stripsPng } from './strips';

/** Pixel-space view of one MAE prediction: the clip with hidden tubelets grey or reconstructed. */
export interface ReconstructionInput {
  /** `[B, T, H, W, 3]` in [0, 1]. */
  readonly clips: ClipBatch;
  readonly tubelet: Tubelet;
  /** `[B, N]` 1 = hidden from the encoder. */
  readonly hidden: Uint8Array;
  /** `[B, Kd]` decoded token ids. */
  readonly decode: Int32Array;
  /** `[B, Kd, t * p * p * 3]` decoder outputs. */
  readonly predictions: Float32Array;
  /** Predictions are per-patch normalised pixels (de-normalised here with each patch's own statistics). */
  readonly normPixels: boolean;
}

/** Visits the pixels of token `n` of clip `b`: `fn(offset in clips.data, offset within the patch row)`. */
function forEachTokenPixel(
  shape: ClipBatch['shape'],
  tubelet: Tubelet,
  b: number,
  n: number,
  fn: (src: number, j: number) => void,
) {
  const [, tt, hh, ww, c] = shape;
  const [t, ph, pw] = tubelet;
  const gh = hh / ph;
  const gw = ww / pw;
  const it = Math.floor(n / (gh * gw));
  const ih = Math.floor(n / gw) % gh;
  const iw = n % gw;
  let j = 0;
  for (let dt = 0; dt < t; dt++)
    for (let dy = 0; dy < ph; dy++)
      for (let dx = 0; dx < pw; dx++)
        for (let ch = 0; ch < c; ch++)
          fn(((((b * tt + it * t + dt) * hh + ih * ph + dy) * ww + iw * pw + dx) * c + ch) | 0, j++);
}

/**
 * Draws, for each of the first `rows` clips, three strips of frames: the input, the encoder's view
 * (hidden tubelets grey), and the reconstruction (visible tubelets from the input, decoded tubelets
 * from the decoder, de-normalised). Returns PNG bytes, each pixel scaled up `zoom` times.
 */
export function reconstructionPicture(input: ReconstructionInput, rows = 2, zoom = 3): Uint8Array {
  const { clips, tubelet } = input;
  const [b, , , , c] = clips.shape;
  const n = input.hidden.length / b;
  const kd = input.decode.length / b;
  const dim = tubelet[0] * tubelet[1] * tubelet[2] * c;
  const shown = Math.min(rows, b);
  const masked = new Float32Array(clips.data);
  const recon = new Float32Array(clips.data);
  for (let bi = 0; bi < shown; bi++) {
    for (let k = 0; k < n; k++) {
      if (!input.hidden[bi * n + k]) continue;
      forEachTokenPixel(clips.shape, tubelet, bi, k, (src) => {
        masked[src] = 0.5;
        recon[src] = 0.5;
      });
    }
    for (let k = 0; k < kd; k++) {
      const token = input.decode[bi * kd + k];
      const pred = input.predictions.subarray((bi * kd + k) * dim, (bi * kd + k + 1) * dim);
      let mean = 0;
      let std = 1;
      if (input.normPixels) {
        let s = 0;
        let s2 = 0;
        forEachTokenPixel(clips.shape, tubelet, bi, token, (src) => {
          s += clips.data[src];
          s2 += clips.data[src] ** 2;
        });
        mean = s / dim;
        std = Math.sqrt(Math.max(0, (s2 - dim * mean * mean) / (dim - 1)) + 1e-6);
      }
      forEachTokenPixel(clips.shape, tubelet, bi, token, (src, j) => {
        recon[src] = pred[j] * std + mean;
      });
    }
  }
  return stripsPng([clips.data, masked, recon], clips.shape, shown, zoom);
}
