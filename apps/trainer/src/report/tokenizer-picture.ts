import type { Clip } from '@vfmkit/core';
import { tf } from '@vfmkit/nn';
import type { TokenizerModel } from '@vfmkit/tokenizer/tfjs';
import { stripsPng } from './strips';

/**
 * The tokenizer's picture, per clip: the input | the reconstruction from all tokens | the
 * reconstruction from the top-`budget` tokens | the scorer's priorities as a heat map (each latent
 * token's tubelet filled with its priority, min-max scaled per clip, black to yellow; tokens outside
 * the budget dimmed).
 */
export function tokenizerPicture(model: TokenizerModel, clips: readonly Clip[]): Uint8Array {
  const [t, h, w, c] = clips[0].shape;
  const shape = [clips.length, t, h, w, c] as [number, number, number, number, number];
  const data = new Float32Array(clips.length * t * h * w * c);
  for (const [i, clip] of clips.entries()) data.set(clip.data, i * clip.data.length);
  const { full, budget, priorities, mask } = tf.tidy(() => {
    const r = model.reconstruct(tf.tensor(data, shape));
    return {
      full: r.full.dataSync() as Float32Array,
      budget: r.budget.dataSync() as Float32Array,
      priorities: r.priorities.dataSync() as Float32Array,
      mask: r.mask.dataSync() as Float32Array,
    };
  });
  const [ft, fh, fw] = model.config.downsample;
  const [gt, gh, gw] = [t / ft, h / fh, w / fw];
  const n = gt * gh * gw;
  const heat = new Float32Array(data.length);
  for (let b = 0; b < clips.length; b++) {
    const p = priorities.subarray(b * n, (b + 1) * n);
    const lo = Math.min(...p);
    const span = Math.max(...p) - lo || 1;
    for (let f = 0; f < t; f++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          const k = (Math.floor(f / ft) * gh + Math.floor(y / fh)) * gw + Math.floor(x / fw);
          const v = (p[k] - lo) / span;
          const dim = mask[b * n + k] > 0 ? 1 : 0.45;
          const o = (((b * t + f) * h + y) * w + x) * c;
          const rgb = [Math.min(1, 2 * v), v, 0.2 * (1 - v)];
          for (let ch = 0; ch < c; ch++) heat[o + ch] = dim * rgb[Math.min(ch, 2)];
        }
  }
  return stripsPng([data, full, budget, heat], shape, clips.length);
}
