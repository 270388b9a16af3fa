import { ConfigError, type TokenGrid } from '@vfmkit/core';

/** Cell size `[cellH, cellW]` in tokens; VideoMAE V2 uses 2 x 2. */
export type CellSize = readonly [number, number];

/** Validates a cell size against a grid and returns its area. @internal */
export function checkCell(grid: TokenGrid, cell: CellSize): number {
  if (!Array.isArray(cell) || cell.length !== 2 || !cell.every((v) => Number.isInteger(v) && v > 0)) {
    throw new ConfigError(`cell must be [height, width] in positive integers, got ${JSON.stringify(cell)}`, {
      key: 'cell',
      value: cell,
    });
  }
  if (grid.h % cell[0] !== 0 || grid.w % cell[1] !== 0) {
    throw new ConfigError(
      `running-cell masks need the grid's h x w (${grid.h} x ${grid.w}) to be a multiple of the cell (${cell[0]} x ${cell[1]}), so the count is exact`,
      { key: 'cell', value: cell, grid },
    );
  }
  return cell[0] * cell[1];
}

/** Validates an explicit running-cell start offset in [0, area). @internal */
export function checkOffset(offset: number, area: number): void {
  if (!Number.isInteger(offset) || offset < 0 || offset >= area) {
    throw new ConfigError(`running-cell offset must be an integer in [0, ${area}), got ${offset}`, {
      key: 'offset',
      value: offset,
    });
  }
}

/**
 * Writes the running-cell pattern of VideoMAE V2 (Wang et al. 2023, `RunningCellMaskingGenerator`):
 * each cell of `cell[0] x cell[1]` tokens holds a queue of `ones` ones then zeros, read in row-major
 * order from pointer `(offset + ti + 1) mod area` at time slice ti, tiled over the plane, so the
 * pattern shifts by one cell position per time slice. Writes 0/1 to `out[off .. off + N)`. @internal
 */
export function fillRunningCell(
  grid: TokenGrid,
  cell: CellSize,
  ones: number,
  offset: number,
  out: Uint8Array,
  off: number,
): void {
  const [ch, cw] = cell;
  const area = ch * cw;
  const plane = grid.h * grid.w;
  for (let ti = 0; ti < grid.t; ti++) {
    const ptr = offset + ti + 1;
    const base = off + ti * plane;
    for (let y = 0; y < grid.h; y++) {
      const rowBase = base + y * grid.w;
      const cellRow = (y % ch) * cw;
      for (let x = 0; x < grid.w; x++) {
        out[rowBase + x] = (cellRow + (x % cw) + ptr) % area < ones ? 1 : 0;
      }
    }
  }
}
