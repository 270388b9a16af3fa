import { type Difficulty, renderSample, type Synth4dSample, splitSeed, taskConfig } from '@vfmkit/synth4d';
import type { ArrayWithShape } from '../src/cache/feature-rows';
import type { TaskGeometry } from '../src/tasks/task';

/** Clip size of the task-head tests: 8 frames of 32 x 32, tubelets 2 x 8 x 8 (a 4 x 4 x 4 token grid). */
export const CLIP = { frames: 8, size: 32, tubelet: [2, 8, 8] as const };

/** Renders `count` clips of a synth4d task preset at the test size. */
export function renderSplit(
  task: string,
  split: 'train' | 'val',
  count: number,
  knobs: Difficulty = {},
): Synth4dSample[] {
  const config = taskConfig(task, { size: CLIP.size, frames: CLIP.frames, ...knobs });
  return Array.from({ length: count }, (_, i) => renderSample(config, splitSeed(split, i)));
}

/**
 * A parameter-free "encoder" (`actor-mask`: the same cells read from the actor's segmentation mask
 * instead of RGB, an oracle that sees where object 1 is): each 2 x 8 x 8 tubelet becomes its RGB averaged over 2 x 2 sub-cells of
 * 4 x 4 pixels in each of its 2 frames (24 numbers, centred) and 8 numbers of its (t, y, x) position.
 * Tokens t-major, `[B, 64, 32]`.
 */
export function pixelFeatures(
  samples: readonly Synth4dSample[],
  what: 'rgb' | 'actor-mask' = 'rgb',
): ArrayWithShape {
  const [ft, p] = [CLIP.tubelet[0], CLIP.tubelet[1]];
  const [T, S] = [CLIP.frames, CLIP.size];
  const grid = { t: T / ft, h: S / p, w: S / p };
  const N = grid.t * grid.h * grid.w;
  const D = ft * 2 * 2 * 3 + 8;
  const out = new Float32Array(samples.length * N * D);
  samples.forEach((s, b) => {
    for (let ti = 0; ti < grid.t; ti++)
      for (let hi = 0; hi < grid.h; hi++)
        for (let wi = 0; wi < grid.w; wi++) {
          const o = (b * N + (ti * grid.h + hi) * grid.w + wi) * D;
          let k = 0;
          for (let f = 0; f < ft; f++)
            for (let sy = 0; sy < 2; sy++)
              for (let sx = 0; sx < 2; sx++)
                for (let c = 0; c < 3; c++) {
                  let sum = 0;
                  for (let y = 0; y < p / 2; y++)
                    for (let x = 0; x < p / 2; x++) {
                      const py = hi * p + sy * (p / 2) + y;
                      const px = wi * p + sx * (p / 2) + x;
                      const at = ((ti * ft + f) * S + py) * S + px;
                      sum += what === 'rgb' ? s.rgb[at * 3 + c] : s.segmentation[at] === 1 ? 1 : 0;
                    }
                  out[o + k++] = sum / ((p * p) / 4) - 0.5;
                }
          // where the token is, as a real encoder's positional embedding would tell
          const [t, y, x] = [(ti + 0.5) / grid.t, (hi + 0.5) / grid.h, (wi + 0.5) / grid.w];
          out.set(
            [
              t,
              y,
              x,
              Math.sin(Math.PI * t),
              Math.sin(Math.PI * y),
              Math.sin(Math.PI * x),
              Math.cos(Math.PI * y),
              Math.cos(Math.PI * x),
            ],
            o + k,
          );
        }
  });
  return { data: out, shape: [samples.length, N, D] };
}

/** The geometry of {@link pixelFeatures}. */
export const PIXEL_GEOMETRY: TaskGeometry = {
  grid: { t: 4, h: 4, w: 4 },
  frames: CLIP.frames,
  height: CLIP.size,
  width: CLIP.size,
  featureWidth: 32,
  layers: 1,
};
