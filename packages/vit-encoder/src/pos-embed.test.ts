import { describe, expect, it } from 'vitest';
import { gridInterpolationMatrix, interpolatePositions, linearWeights, sincosTable } from './pos-embed';

describe('sincosTable', () => {
  it('follows VideoMAE: sin on even dims, cos on odd, angle pos / 10000^(2 floor(j/2) / d)', () => {
    const t = sincosTable(5, 6);
    expect(t[3 * 6 + 0]).toBeCloseTo(Math.sin(3), 6);
    expect(t[3 * 6 + 1]).toBeCloseTo(Math.cos(3), 6);
    expect(t[3 * 6 + 4]).toBeCloseTo(Math.sin(3 / 10000 ** (4 / 6)), 6);
    expect(t[0 * 6 + 5]).toBe(1);
  });
});

describe('positional interpolation', () => {
  const grid = { t: 2, h: 3, w: 4 };
  const table = Float32Array.from({ length: 24 * 5 }, (_, i) => Math.sin(i * 1.7) * 3);

  it('is an exact no-op at the training size', () => {
    const out = interpolatePositions(table, 5, grid, grid);
    expect(out).toEqual(table);
    expect(out).not.toBe(table);
    const m = gridInterpolationMatrix(grid, grid);
    for (let r = 0; r < 24; r++) for (let c = 0; c < 24; c++) expect(m[r * 24 + c]).toBe(r === c ? 1 : 0);
  });

  it('matches PyTorch linear interpolation (align_corners=False) on a hand-worked 1-D case', () => {
    // 2 -> 4 samples: src = (k + 0.5) / 2 - 0.5 = [-0.25 -> 0, 0.25, 0.75, 1.25 -> clamped 1]
    const w = linearWeights(2, 4);
    expect(Array.from(w.i0)).toEqual([0, 0, 0, 1]);
    expect(Array.from(w.w1)).toEqual([0, 0.25, 0.75, 0]);
    const out = interpolatePositions(Float32Array.of(10, 20), 1, { t: 2, h: 1, w: 1 }, { t: 4, h: 1, w: 1 });
    expect(Array.from(out)).toEqual([10, 12.5, 17.5, 20]);
  });

  it('keeps constants constant and rows summing to 1 when upsampling in time and space', () => {
    const to = { t: 3, h: 5, w: 2 };
    const m = gridInterpolationMatrix(grid, to);
    for (let r = 0; r < 30; r++) {
      let s = 0;
      for (let c = 0; c < 24; c++) s += m[r * 24 + c];
      expect(s).toBeCloseTo(1, 6);
    }
    const flat = interpolatePositions(new Float32Array(24 * 2).fill(0.5), 2, grid, to);
    for (const v of flat) expect(v).toBeCloseTo(0.5, 6);
  });

  it('rejects a table of the wrong size', () => {
    expect(() => interpolatePositions(new Float32Array(7), 5, grid, grid)).toThrow(/position table/);
  });
});
