import { ConfigError, writeFileAtomic } from '@vfmkit/core';
import { PNG } from 'pngjs';
import { encodeGif } from './internal/gif';
import type { Synth4dSample } from './sample';

/** Options of the preview writers. */
export interface PreviewOptions {
  /** Integer upscaling (nearest neighbour); default: the smallest making each panel >= 128 px wide. */
  scale?: number;
  /** Draw point tracks (visible points as dots with a short tail). Default true. */
  tracks?: boolean;
  /** Draw object boxes. Default true. */
  boxes?: boolean;
}

const PALETTE: readonly (readonly [number, number, number])[] = [
  [255, 64, 64],
  [64, 255, 64],
  [80, 140, 255],
  [255, 230, 40],
  [255, 80, 255],
  [40, 240, 240],
  [255, 150, 40],
  [255, 255, 255],
];

/** A viridis-like colormap (dark purple far -> yellow near); `v` in [0, 1], 1 = near. */
function depthColor(v: number): [number, number, number] {
  const stops = [
    [68, 1, 84],
    [59, 82, 139],
    [33, 145, 140],
    [94, 201, 98],
    [253, 231, 37],
  ];
  const x = Math.min(0.9999, Math.max(0, v)) * (stops.length - 1);
  const i = Math.floor(x);
  const t = x - i;
  return [0, 1, 2].map((c) => Math.round(stops[i][c] + (stops[i + 1][c] - stops[i][c]) * t)) as [
    number,
    number,
    number,
  ];
}

/**
 * One preview frame per clip frame, RGBA `[H*s, 2*W*s, 4]`: left the RGB frame with tracks and boxes
 * drawn on it, right the depth as color (sky black).
 */
export function previewFrames(
  sample: Synth4dSample,
  options: PreviewOptions = {},
): { width: number; height: number; frames: Uint8Array[] } {
  const { width: W, height: H, frames: T } = sample.config;
  const s = options.scale ?? Math.max(1, Math.ceil(128 / W));
  if (!Number.isInteger(s) || s < 1 || s > 64)
    throw new ConfigError(`preview scale must be an integer in [1, 64], got ${s}`, {
      key: 'scale',
      value: s,
    });
  const PW = 2 * W * s;
  const PH = H * s;
  // Colors follow disparity (nearest surface of the clip = 1), so the far ground does not wash out the scene.
  let minDepth = Number.POSITIVE_INFINITY;
  for (const d of sample.depth) if (d > 0 && d < minDepth) minDepth = d;
  const out: Uint8Array[] = [];
  for (let f = 0; f < T; f++) {
    const img = new Uint8Array(PW * PH * 4);
    const put = (x: number, y: number, c: readonly [number, number, number]) => {
      if (x < 0 || y < 0 || x >= W * s || y >= PH) return;
      const o = (y * PW + x) * 4;
      img[o] = c[0];
      img[o + 1] = c[1];
      img[o + 2] = c[2];
    };
    for (let y = 0; y < PH; y++)
      for (let x = 0; x < PW; x++) {
        const left = x < W * s;
        const i = Math.floor((left ? x : x - W * s) / s);
        const j = Math.floor(y / s);
        const p = (f * H + j) * W + i;
        const o = (y * PW + x) * 4;
        if (left) {
          img[o] = Math.round(sample.rgb[p * 3] * 255);
          img[o + 1] = Math.round(sample.rgb[p * 3 + 1] * 255);
          img[o + 2] = Math.round(sample.rgb[p * 3 + 2] * 255);
        } else if (sample.depth[p] > 0) {
          const c = depthColor(minDepth / sample.depth[p]);
          img[o] = c[0];
          img[o + 1] = c[1];
          img[o + 2] = c[2];
        }
        img[o + 3] = 255;
      }
    if (options.boxes ?? true) {
      const K = sample.boxes.count;
      for (let k = 0; k < K; k++) {
        if (!sample.boxes.visible[f * K + k]) continue;
        const b = sample.boxes.boxes.subarray((f * K + k) * 4, (f * K + k + 1) * 4);
        const c = PALETTE[k % PALETTE.length];
        const x0 = b[0] * s;
        const y0 = b[1] * s;
        const x1 = b[2] * s - 1;
        const y1 = b[3] * s - 1;
        for (let x = x0; x <= x1; x++) {
          put(x, y0, c);
          put(x, y1, c);
        }
        for (let y = y0; y <= y1; y++) {
          put(x0, y, c);
          put(x1, y, c);
        }
      }
    }
    if (options.tracks ?? true) {
      const { points, occluded, count: Q } = sample.tracks;
      for (let q = 0; q < Q; q++) {
        const c = PALETTE[q % PALETTE.length];
        for (let g = Math.max(0, f - 3); g <= f; g++) {
          if (occluded[q * T + g]) continue;
          const x = Math.floor(points[(q * T + g) * 2] * s);
          const y = Math.floor(points[(q * T + g) * 2 + 1] * s);
          const r = g === f ? Math.max(1, s >> 1) : 0;
          for (let dy = -r; dy <= r; dy++) for (let dx = -r; dx <= r; dx++) put(x + dx, y + dy, c);
        }
      }
    }
    out.push(img);
  }
  return { width: PW, height: PH, frames: out };
}

/** Writes a contact sheet PNG: preview frames in rows of `perRow` (default 4). */
export async function writePreviewPng(
  sample: Synth4dSample,
  path: string,
  options: PreviewOptions & { perRow?: number } = {},
): Promise<void> {
  const { width, height, frames } = previewFrames(sample, options);
  const perRow = Math.min(options.perRow ?? 4, frames.length);
  const rows = Math.ceil(frames.length / perRow);
  const png = new PNG({ width: width * perRow, height: height * rows });
  frames.forEach((img, f) => {
    const ox = (f % perRow) * width;
    const oy = Math.floor(f / perRow) * height;
    for (let y = 0; y < height; y++)
      png.data.set(img.subarray(y * width * 4, (y + 1) * width * 4), ((oy + y) * png.width + ox) * 4);
  });
  await writeFileAtomic(path, [PNG.sync.write(png)]);
}

/** Writes the preview as a looping animated GIF (`fps` frames per second, default the clip's fps). */
export async function writePreviewGif(
  sample: Synth4dSample,
  path: string,
  options: PreviewOptions & { fps?: number } = {},
): Promise<void> {
  const { width, height, frames } = previewFrames(sample, options);
  const fps = options.fps ?? sample.config.fps;
  await writeFileAtomic(path, [encodeGif(frames, width, height, Math.max(2, Math.round(100 / fps)))]);
}
