import type {
  BoxPredictions,
  PosePredictions,
  TaskGeometry,
  TokenDepth,
  TrackPredictions,
} from '@vfmkit/probes';
import { relativePoses, tokenDepth } from '@vfmkit/probes';
import type { Synth4dSample } from '@vfmkit/synth4d';
import { INK, PRED_COLOR, Raster, TRUE_COLOR } from './raster';

/** Where one frame of one clip was drawn in a picture (pixels of the picture). */
export interface PicturePanel {
  /** Index of the clip among the validation clips. */
  readonly clip: number;
  /** Clip frame shown, or -1 for a plot (pose). */
  readonly frame: number;
  readonly left: number;
  readonly top: number;
  /** Picture pixels per clip pixel (plots: picture pixels per world unit). */
  readonly zoom: number;
}

/** A picture of what a readout predicted next to the ground truth, as PNG bytes. */
export interface ReadoutPicture {
  readonly png: Uint8Array;
  readonly width: number;
  readonly height: number;
  readonly caption: string;
  readonly panels: readonly PicturePanel[];
}

/** Space between panels, pixels. */
const GAP = 6;

function frameOf(s: Synth4dSample, t: number, g: TaskGeometry): Float32Array {
  const n = g.height * g.width * 3;
  return s.rgb.subarray(t * n, (t + 1) * n);
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : Number.NaN;
}

/**
 * Depth: for each of the first `clips` validation clips, its middle frame, the true depth at token
 * resolution and the predicted depth (median-aligned to the truth, as the headline metric is), on one
 * colour scale per clip (near = dark, far = yellow; grey = no surface).
 */
export function depthPicture(
  samples: readonly Synth4dSample[],
  pred: TokenDepth,
  g: TaskGeometry,
  clips = 3,
  zoom = 4,
): ReadoutPicture {
  const n = Math.min(clips, samples.length);
  const truth = tokenDepth(samples.slice(0, n), g);
  const { t: gt, h: gh, w: gw } = g.grid;
  const slice = Math.floor(gt / 2);
  const frame = Math.floor(((slice + 0.5) * g.frames) / gt);
  const [pw, ph] = [g.width * zoom, g.height * zoom];
  const raster = new Raster(3 * pw + 4 * GAP, n * (ph + GAP) + GAP);
  const panels: PicturePanel[] = [];
  const cells = gh * gw;
  for (let b = 0; b < n; b++) {
    const top = GAP + b * (ph + GAP);
    raster.frame(frameOf(samples[b], frame, g), g.height, g.width, GAP, top, zoom);
    panels.push({ clip: b, frame, left: GAP, top, zoom });
    const o = (b * gt + slice) * cells;
    const t = truth.depth.subarray(o, o + cells);
    const valid = truth.valid.subarray(o, o + cells);
    const p = pred.depth.subarray(o, o + cells);
    const ok = Array.from(valid.keys()).filter((i) => valid[i]);
    const scale = median(ok.map((i) => t[i])) / median(ok.map((i) => p[i]));
    const aligned = Float32Array.from(p, (v) => v * (Number.isFinite(scale) ? scale : 1));
    const lo = Math.min(...ok.map((i) => t[i]));
    const hi = Math.max(...ok.map((i) => t[i]));
    const cell = { w: pw / gw, h: ph / gh };
    raster.scalarMap(t, gh, gw, 2 * GAP + pw, top, cell, { lo, hi }, valid);
    raster.scalarMap(aligned, gh, gw, 3 * GAP + 2 * pw, top, cell, { lo, hi }, valid);
  }
  return {
    png: raster.png(),
    width: raster.width,
    height: raster.height,
    caption: `depth: frame ${frame} | true depth | predicted depth (median-aligned), token slice ${slice}; ${n} validation clips`,
    panels,
  };
}

/**
 * Point tracks: for each clip, its last frame with every query's true track (green, visible frames)
 * and predicted track (red) over the whole clip, the last position marked with a dot.
 */
export function tracksPicture(
  samples: readonly Synth4dSample[],
  pred: TrackPredictions,
  g: TaskGeometry,
  clips = 3,
  zoom = 4,
  maxQueries = 8,
): ReadoutPicture {
  const n = Math.min(clips, samples.length);
  const [, Q, T] = pred.shape;
  const [pw, ph] = [g.width * zoom, g.height * zoom];
  const raster = new Raster(pw + 2 * GAP, n * (ph + GAP) + GAP);
  const panels: PicturePanel[] = [];
  const px = (v: number) => v * zoom;
  for (let b = 0; b < n; b++) {
    const s = samples[b];
    const top = GAP + b * (ph + GAP);
    raster.frame(frameOf(s, T - 1, g), g.height, g.width, GAP, top, zoom);
    panels.push({ clip: b, frame: T - 1, left: GAP, top, zoom });
    for (let q = 0; q < Math.min(Q, maxQueries); q++) {
      const at = (arr: Float32Array, base: number, t: number) => [
        GAP + px(arr[base + t * 2]),
        top + px(arr[base + t * 2 + 1]),
      ];
      const tb = q * T * 2;
      const pb = (b * Q + q) * T * 2;
      for (let t = 1; t < T; t++) {
        if (!s.tracks.occluded[q * T + t] && !s.tracks.occluded[q * T + t - 1]) {
          const [x0, y0] = at(s.tracks.points, tb, t - 1);
          const [x1, y1] = at(s.tracks.points, tb, t);
          raster.line(x0, y0, x1, y1, TRUE_COLOR);
        }
        const [x0, y0] = at(pred.tracks, pb, t - 1);
        const [x1, y1] = at(pred.tracks, pb, t);
        raster.line(x0, y0, x1, y1, PRED_COLOR);
      }
      if (!s.tracks.occluded[q * T + T - 1]) {
        const [x, y] = at(s.tracks.points, tb, T - 1);
        raster.dot(x, y, 1, TRUE_COLOR);
      }
      const [x, y] = at(pred.tracks, pb, T - 1);
      raster.dot(x, y, 1, PRED_COLOR);
    }
  }
  return {
    png: raster.png(),
    width: raster.width,
    height: raster.height,
    caption: `point tracks on the last frame: true (green, where visible) and predicted (red), ${Math.min(Q, maxQueries)} queries; ${n} validation clips`,
    panels,
  };
}

/**
 * Boxes: for each clip, its middle and last frames with each tracked object's true box (green, where
 * the object is visible) and predicted box (red). A box `(x0, y0, x1, y1)` in clip pixels is drawn
 * as the outline from picture pixel `(left + x0 zoom, top + y0 zoom)` to `(left + x1 zoom - 1, top + y1 zoom - 1)`.
 */
export function boxesPicture(
  samples: readonly Synth4dSample[],
  pred: BoxPredictions,
  g: TaskGeometry,
  clips = 3,
  zoom = 4,
): ReadoutPicture {
  const n = Math.min(clips, samples.length);
  const [, S, T] = pred.shape;
  const shown = [...new Set([Math.floor(T / 2), T - 1])];
  const [pw, ph] = [g.width * zoom, g.height * zoom];
  const raster = new Raster(shown.length * (pw + GAP) + GAP, n * (ph + GAP) + GAP);
  const panels: PicturePanel[] = [];
  for (let b = 0; b < n; b++) {
    const s = samples[b];
    const K = s.boxes.count;
    const top = GAP + b * (ph + GAP);
    shown.forEach((t, j) => {
      const left = GAP + j * (pw + GAP);
      raster.frame(frameOf(s, t, g), g.height, g.width, left, top, zoom);
      panels.push({ clip: b, frame: t, left, top, zoom });
      const draw = (box: ArrayLike<number>, c: typeof INK) =>
        raster.rect(
          left + box[0] * zoom,
          top + box[1] * zoom,
          left + box[2] * zoom - 1,
          top + box[3] * zoom - 1,
          c,
        );
      for (let k = 0; k < Math.min(S, K); k++) {
        if (!s.boxes.visible[k]) continue; // not tracked: no box given in frame 0
        if (s.boxes.visible[t * K + k])
          draw(s.boxes.boxes.subarray((t * K + k) * 4, (t * K + k + 1) * 4), TRUE_COLOR);
        const o = ((b * S + k) * T + t) * 4;
        draw(pred.boxes.subarray(o, o + 4), PRED_COLOR);
      }
    });
  }
  return {
    png: raster.png(),
    width: raster.width,
    height: raster.height,
    caption: `boxes on frames ${shown.join(' and ')}: true (green) and predicted (red) for each object tracked from frame 0; ${n} validation clips`,
    panels,
  };
}

/**
 * Camera pose: for each clip, the camera's trajectory seen from above (x right, z forward, in frame
 * 0's camera coordinates): the true path (green) and the predicted one (red), starting at the black dot.
 */
export function posePicture(
  samples: readonly Synth4dSample[],
  pred: PosePredictions,
  clips = 3,
  size = 160,
): ReadoutPicture {
  const n = Math.min(clips, samples.length);
  const [, T] = pred.shape;
  const raster = new Raster(n * (size + GAP) + GAP, size + 2 * GAP);
  const panels: PicturePanel[] = [];
  for (let b = 0; b < n; b++) {
    const truth = relativePoses(samples[b]);
    const path = (poses: ArrayLike<number>, base: number) =>
      Array.from({ length: T }, (_, j) => [poses[base + j * 16 + 3], poses[base + j * 16 + 11]]);
    const tp = path(truth, 0);
    const pp = path(pred.poses, b * T * 16);
    const all = [...tp, ...pp];
    const span = Math.max(1e-6, ...all.map(([x, z]) => Math.max(Math.abs(x), Math.abs(z))));
    const zoom = (size / 2 - 8) / span;
    const left = GAP + b * (size + GAP);
    const top = GAP;
    const at = ([x, z]: number[]) => [left + size / 2 + x * zoom, top + size / 2 - z * zoom];
    raster.rect(left, top, left + size - 1, top + size - 1, [200, 200, 200]);
    for (const [p, c] of [
      [tp, TRUE_COLOR],
      [pp, PRED_COLOR],
    ] as const)
      for (let j = 1; j < T; j++) {
        const [x0, y0] = at(p[j - 1]);
        const [x1, y1] = at(p[j]);
        raster.line(x0, y0, x1, y1, c, 2);
      }
    const [sx, sy] = at([0, 0]);
    raster.dot(sx, sy, 2, INK);
    panels.push({ clip: b, frame: -1, left, top, zoom });
  }
  return {
    png: raster.png(),
    width: raster.width,
    height: raster.height,
    caption: `camera trajectories from above (x, z in frame 0's camera coordinates): true (green) and predicted (red), start at the dot; ${n} validation clips`,
    panels,
  };
}

/**
 * The picture of a synth4d task's predictions (`depth`, `tracking`, `boxes`, `pose`), or undefined
 * for tasks without one.
 */
export function readoutPicture(
  task: string,
  samples: readonly Synth4dSample[],
  predictions: unknown,
  g: TaskGeometry,
): ReadoutPicture | undefined {
  if (task === 'depth') return depthPicture(samples, predictions as TokenDepth, g);
  if (task === 'tracking') return tracksPicture(samples, predictions as TrackPredictions, g);
  if (task === 'boxes') return boxesPicture(samples, predictions as BoxPredictions, g);
  if (task === 'pose') return posePicture(samples, predictions as PosePredictions);
  return undefined;
}
