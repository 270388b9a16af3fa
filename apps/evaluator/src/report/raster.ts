import { PNG } from 'pngjs';

/** An RGB colour, 0-255 per channel. */
export type Rgb = readonly [number, number, number];

/** Colours of the pictures: ground truth, prediction, neutral marks. */
export const TRUE_COLOR: Rgb = [20, 200, 60];
export const PRED_COLOR: Rgb = [235, 40, 40];
export const INK: Rgb = [0, 0, 0];
export const MISSING: Rgb = [128, 128, 128];

/**
 * A small RGB raster with the few drawing primitives the report's pictures need (frames scaled up,
 * scalar maps, lines, box outlines, dots), encoded to PNG with pngjs (as the trainer's pictures are).
 */
export class Raster {
  /** `[height, width, 4]` RGBA bytes. */
  readonly data: Uint8Array;

  constructor(
    readonly width: number,
    readonly height: number,
    background: Rgb = [255, 255, 255],
  ) {
    this.data = new Uint8Array(width * height * 4);
    for (let i = 0; i < width * height; i++) this.data.set([...background, 255], i * 4);
  }

  /** Sets one pixel (ignored outside the raster). */
  set(x: number, y: number, c: Rgb): void {
    const xi = Math.round(x);
    const yi = Math.round(y);
    if (xi < 0 || yi < 0 || xi >= this.width || yi >= this.height) return;
    const o = (yi * this.width + xi) * 4;
    this.data[o] = c[0];
    this.data[o + 1] = c[1];
    this.data[o + 2] = c[2];
  }

  /** A straight line, `width` pixels thick (Bresenham, stamped). */
  line(x0: number, y0: number, x1: number, y1: number, c: Rgb, width = 1): void {
    const n = Math.max(1, Math.ceil(Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0))));
    for (let i = 0; i <= n; i++) {
      const x = x0 + ((x1 - x0) * i) / n;
      const y = y0 + ((y1 - y0) * i) / n;
      for (let dy = 0; dy < width; dy++) for (let dx = 0; dx < width; dx++) this.set(x + dx, y + dy, c);
    }
  }

  /** The outline of the box with corners `(x0, y0)` and `(x1, y1)` (inclusive). */
  rect(x0: number, y0: number, x1: number, y1: number, c: Rgb): void {
    this.line(x0, y0, x1, y0, c);
    this.line(x0, y1, x1, y1, c);
    this.line(x0, y0, x0, y1, c);
    this.line(x1, y0, x1, y1, c);
  }

  /** A filled square dot of side `2 r + 1` centred on `(x, y)`. */
  dot(x: number, y: number, r: number, c: Rgb): void {
    for (let dy = -r; dy <= r; dy++) for (let dx = -r; dx <= r; dx++) this.set(x + dx, y + dy, c);
  }

  /**
   * Draws an RGB frame `[h, w, 3]` in [0, 1] at `(left, top)`, each pixel a `zoom x zoom` block.
   */
  frame(rgb: Float32Array, h: number, w: number, left: number, top: number, zoom: number): void {
    for (let y = 0; y < h * zoom; y++)
      for (let x = 0; x < w * zoom; x++) {
        const o = (Math.floor(y / zoom) * w + Math.floor(x / zoom)) * 3;
        const byte = (v: number) => Math.round(Math.min(1, Math.max(0, v)) * 255);
        this.set(left + x, top + y, [byte(rgb[o]), byte(rgb[o + 1]), byte(rgb[o + 2])]);
      }
  }

  /**
   * Draws a scalar map `[h, w]` at `(left, top)`, each cell `cellW x cellH` pixels, coloured from
   * dark blue (`lo`) to yellow (`hi`); cells with `valid[i] = 0` are grey.
   */
  scalarMap(
    values: ArrayLike<number>,
    h: number,
    w: number,
    left: number,
    top: number,
    cell: { w: number; h: number },
    range: { lo: number; hi: number },
    valid?: ArrayLike<number>,
  ): void {
    for (let i = 0; i < h; i++)
      for (let j = 0; j < w; j++) {
        const k = i * w + j;
        const c =
          valid && !valid[k] ? MISSING : colormap((values[k] - range.lo) / (range.hi - range.lo || 1));
        for (let y = 0; y < cell.h; y++)
          for (let x = 0; x < cell.w; x++) this.set(left + j * cell.w + x, top + i * cell.h + y, c);
      }
  }

  /** The raster as PNG bytes. */
  png(): Uint8Array {
    const png = new PNG({ width: this.width, height: this.height });
    png.data.set(this.data);
    return new Uint8Array(PNG.sync.write(png));
  }
}

/** A perceptually ordered ramp (dark blue -> teal -> yellow) for `t` in [0, 1] (clamped). */
export function colormap(t: number): Rgb {
  const u = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0));
  const stops: Rgb[] = [
    [40, 20, 100],
    [30, 120, 140],
    [90, 190, 100],
    [250, 230, 40],
  ];
  const s = u * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(s));
  const f = s - i;
  return [0, 1, 2].map((c) =>
    Math.round(stops[i][c] + (stops[i + 1][c] - stops[i][c]) * f),
  ) as unknown as Rgb;
}
