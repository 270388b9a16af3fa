import { PNG } from 'pngjs';

/**
 * Draws pictures of clips as rows of frame strips: for each of the first `rows` clips, one strip per
 * entry of `strips` (each `[B, T, H, W, C]` with the shape `shape`, values in [0, 1], clamped), frames
 * left to right, each pixel scaled up `zoom` times. Returns PNG bytes.
 */
export function stripsPng(
  strips: readonly ArrayLike<number>[],
  shape: readonly [number, number, number, number, number],
  rows: number,
  zoom = 3,
): Uint8Array {
  const [b, tt, hh, ww, c] = shape;
  const shown = Math.min(rows, b);
  const per = strips.length;
  const gap = 2;
  const width = tt * (ww + gap) * zoom;
  const height = shown * per * (hh + gap) * zoom;
  const png = new PNG({ width, height });
  png.data.fill(255);
  for (let bi = 0; bi < shown; bi++)
    for (let s = 0; s < per; s++)
      for (let f = 0; f < tt; f++)
        for (let y = 0; y < hh; y++)
          for (let x = 0; x < ww; x++) {
            const src = (((bi * tt + f) * hh + y) * ww + x) * c;
            const oy = ((bi * per + s) * (hh + gap) + y) * zoom;
            const ox = (f * (ww + gap) + x) * zoom;
            for (let zy = 0; zy < zoom; zy++)
              for (let zx = 0; zx < zoom; zx++) {
                const o = ((oy + zy) * width + ox + zx) * 4;
                for (let ch = 0; ch < 3; ch++)
                  png.data[o + ch] = Math.round(
                    255 * Math.min(1, Math.max(0, strips[s][src + (c === 1 ? 0 : ch)])),
                  );
                png.data[o + 3] = 255;
              }
          }
  return PNG.sync.write(png);
}
