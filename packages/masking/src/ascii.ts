import { assertLength, ConfigError, type TokenGrid } from '@vfmkit/core';
import { checkGrid } from './grid';

/**
 * Draws masks on a token grid as text, one h x w block per time slice, `perRow` slices side by side:
 * `#` hidden from the encoder, `.` visible, and with a decoder `target`: `o` hidden and reconstructed,
 * `+` visible but reconstructed (VideoMAE V2 running-cell with a grid source).
 *
 * @param hidden `[N]` encoder mask (1 = hidden), optional.
 * @param target `[N]` decoder mask (1 = reconstructed), optional.
 */
export function renderMaskAscii(
  grid: TokenGrid,
  masks: { readonly hidden?: Uint8Array; readonly target?: Uint8Array },
  options: { readonly perRow?: number } = {},
): string {
  const n = checkGrid(grid);
  const { hidden, target } = masks;
  if (hidden) assertLength('hidden', hidden, [n]);
  if (target) assertLength('target', target, [n]);
  const perRow = options.perRow ?? 4;
  if (!Number.isInteger(perRow) || perRow <= 0) {
    throw new ConfigError(`perRow must be a positive integer, got ${perRow}`, {
      key: 'perRow',
      value: perRow,
    });
  }
  const plane = grid.h * grid.w;
  const lines: string[] = [];
  for (let t0 = 0; t0 < grid.t; t0 += perRow) {
    const slices: number[] = [];
    for (let ti = t0; ti < Math.min(grid.t, t0 + perRow); ti++) slices.push(ti);
    lines.push(
      slices
        .map((ti) => `t=${ti}`.padEnd(grid.w))
        .join('  ')
        .trimEnd(),
    );
    for (let y = 0; y < grid.h; y++) {
      const parts = slices.map((ti) => {
        let s = '';
        for (let x = 0; x < grid.w; x++) {
          const i = ti * plane + y * grid.w + x;
          const h = hidden ? hidden[i] === 1 : false;
          const r = target ? target[i] === 1 : false;
          s += r ? (h || !hidden ? 'o' : '+') : h ? '#' : '.';
        }
        return s;
      });
      lines.push(parts.join('  '));
    }
    if (t0 + perRow < grid.t) lines.push('');
  }
  return lines.join('\n');
}
