import { ConfigError, Rng, type TokenGrid } from '@vfmkit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectConsistent, hasPython, python } from '../test/test-helpers';
import { blockMask } from './block-mask';
import { type EncoderMaskSpec, encoderMask, encoderMaskBatch, hiddenMaskBatch } from './encoder-mask';
import { randomMask } from './random-mask';
import { runningCellMask } from './running-cell-mask';
import { maskRow } from './token-mask';
import { tubeMask } from './tube-mask';

const small = fc.record({
  t: fc.integer({ min: 1, max: 6 }),
  h: fc.integer({ min: 1, max: 9 }),
  w: fc.integer({ min: 1, max: 9 }),
});
const ratio = fc.double({ min: 0, max: 0.999, noNaN: true });
const seed = fc.integer();

describe('random masks', () => {
  it('hide exactly floor(ratio x N) (VideoMAE), consistently, reproducibly (property)', () => {
    fc.assert(
      fc.property(small, ratio, seed, (grid, r, s) => {
        const n = grid.t * grid.h * grid.w;
        const m = randomMask(grid, r, s);
        expectConsistent(m, n, Math.floor(r * n));
        expectConsistent(
          encoderMask(grid, { kind: 'random', ratio: r, rounding: 'round' }, s),
          n,
          Math.round(r * n),
        );
        expect(randomMask(grid, r, s).hidden).toEqual(m.hidden);
      }),
    );
  });

  it('hand-worked: 2 of 4 tokens, each of the 6 subsets about equally often', () => {
    const grid = { t: 1, h: 2, w: 2 };
    const counts = new Map<string, number>();
    const rng = new Rng(3);
    for (let i = 0; i < 6000; i++) {
      const key = [...randomMask(grid, 0.5, rng).masked].join(',');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect([...counts.keys()].sort()).toEqual(['0,1', '0,2', '0,3', '1,2', '1,3', '2,3']);
    for (const c of counts.values()) expect(Math.abs(c - 1000)).toBeLessThan(120);
  });
});

it.skipIf(!hasPython)(
  "mask counts equal Python's int(ratio * n), VideoMAE's count (float64 products)",
  () => {
    const rng = new Rng(5);
    const cases: [number, number][] = [
      [0.95, 1568],
      [0.9, 1568],
      [0.75, 6],
      [0.58, 100],
      [0.7, 10],
      [0.29, 100],
    ];
    for (let i = 0; i < 200; i++) cases.push([rng.uniform(), 1 + rng.int(5000)]);
    const ints = python<number[]>(
      'import json, sys\nprint(json.dumps([int(r * n) for r, n in json.load(sys.stdin)]))',
      cases,
    );
    expect(cases.map(([r, n]) => randomMask({ t: 1, h: 1, w: n }, r, 1).masked.length)).toEqual(ints);
  },
);

describe('tube masks', () => {
  it('share one spatial mask across time and hide t x floor(ratio x h x w) (property)', () => {
    fc.assert(
      fc.property(small, ratio, seed, (grid, r, s) => {
        const plane = grid.h * grid.w;
        const m = tubeMask(grid, r, s);
        expectConsistent(m, grid.t * plane, grid.t * Math.floor(r * plane));
        for (let ti = 1; ti < grid.t; ti++) {
          expect(m.hidden.subarray(ti * plane, (ti + 1) * plane)).toEqual(m.hidden.subarray(0, plane));
        }
        expect(tubeMask(grid, r, s).restore).toEqual(m.restore);
      }),
    );
  });

  it('hand-worked: VideoMAE default, 0.9 on 8 x 14 x 14 keeps 20 positions per slice', () => {
    const m = tubeMask({ t: 8, h: 14, w: 14 }, 0.9, 42);
    expect(m.masked.length).toBe(1408);
    expect(m.keep.length).toBe(160);
    const first = [...m.keep.subarray(0, 20)];
    expect([...m.keep.subarray(20, 40)]).toEqual(first.map((i) => i + 196));
    expect(m.restore[m.keep[0]]).toBe(0);
    expect(m.restore[m.masked[0]]).toBe(160);
  });
});

describe('block masks', () => {
  it('hide exactly floor(ratio x N) with any block options (property)', () => {
    fc.assert(
      fc.property(
        small,
        ratio,
        seed,
        fc.integer({ min: 1, max: 20 }),
        fc.double({ min: 0.1, max: 1, noNaN: true }),
        (grid, r, s, minArea, minAspect) => {
          const n = grid.t * grid.h * grid.w;
          const opts = { minArea: Math.min(minArea, grid.h * grid.w), minAspect };
          const m = blockMask(grid, r, s, opts);
          expectConsistent(m, n, Math.floor(r * n));
          expect(blockMask(grid, r, s, opts).hidden).toEqual(m.hidden);
        },
      ),
    );
  });

  it('hand-worked: one 2 x 2 x 2 block cut at the need fills slice 0 of a 2 x 2 x 2 grid', () => {
    for (const s of [0, 1, 2, 99]) {
      const m = blockMask({ t: 2, h: 2, w: 2 }, 0.5, s, { minArea: 4, minAspect: 1, minFrames: 2 });
      expect([...m.hidden]).toEqual([1, 1, 1, 1, 0, 0, 0, 0]);
    }
  });

  it('hand-worked: a 2 x 2 square through all 4 slices when blocks are fixed to 4 tokens x 4 frames', () => {
    const grid = { t: 4, h: 4, w: 4 };
    for (const s of [1, 2, 3]) {
      const m = blockMask(grid, 0.25, s, { minArea: 4, maxArea: 4, minAspect: 1, minFrames: 4 });
      const plane = [...m.hidden.subarray(0, 16)];
      const cells = plane.flatMap((v, i) => (v ? [[Math.floor(i / 4), i % 4]] : []));
      expect(cells.length).toBe(4);
      const [y0, x0] = cells[0];
      expect(cells).toEqual([
        [y0, x0],
        [y0, x0 + 1],
        [y0 + 1, x0],
        [y0 + 1, x0 + 1],
      ]);
      for (let ti = 1; ti < 4; ti++) expect([...m.hidden.subarray(ti * 16, ti * 16 + 16)]).toEqual(plane);
    }
  });

  it('makes contiguous regions: far fewer hidden/visible boundaries than a random mask', () => {
    const grid = { t: 8, h: 14, w: 14 };
    const edges = (h: Uint8Array) => {
      let e = 0;
      for (let i = 0; i < h.length; i++) if (i % 14 !== 13 && h[i] !== h[i + 1]) e++;
      return e;
    };
    const block = edges(blockMask(grid, 0.65, 5).hidden);
    const random = edges(randomMask(grid, 0.65, 5).hidden);
    expect(block * 3).toBeLessThan(random);
  });

  it('rejects bad block options', () => {
    const grid = { t: 2, h: 4, w: 4 };
    expect(() => blockMask(grid, 0.5, 1, { minArea: 17 })).toThrow(ConfigError);
    expect(() => blockMask(grid, 0.5, 1, { minArea: 5, maxArea: 4 })).toThrow(ConfigError);
    expect(() => blockMask(grid, 0.5, 1, { maxFrames: 3 })).toThrow(ConfigError);
    expect(() => blockMask(grid, 0.5, 1, { minAspect: 0 })).toThrow(ConfigError);
  });
});

describe('running-cell masks', () => {
  const cellGrid = fc.record({
    t: fc.integer({ min: 1, max: 6 }),
    h: fc.integer({ min: 1, max: 4 }).map((v) => v * 2),
    w: fc.integer({ min: 1, max: 4 }).map((v) => v * 2),
  });

  it('hide exactly ratio x N, each position hidden in a fixed share of slices (property)', () => {
    fc.assert(
      fc.property(cellGrid, fc.constantFrom(0, 0.25, 0.5, 0.75), seed, (grid, r, s) => {
        const n = grid.t * grid.h * grid.w;
        const m = runningCellMask(grid, r, s);
        expectConsistent(m, n, r * n);
        expect(runningCellMask(grid, r, s).hidden).toEqual(m.hidden);
      }),
    );
  });

  it('hand-worked: ratio 0.5, offset 0 on 3 x 2 x 2 (queue [1, 1, 0, 0] read from pointer t + 1)', () => {
    const m = runningCellMask({ t: 3, h: 2, w: 2 }, 0.5, 0, { offset: 0 });
    // t=0: pointer 1 -> [q1, q2, q3, q0] = [1, 0, 0, 1]; t=1: [0, 0, 1, 1]; t=2: [0, 1, 1, 0]
    expect([...m.hidden]).toEqual([1, 0, 0, 1, 0, 0, 1, 1, 0, 1, 1, 0]);
  });

  it('rejects ratios that do not fill whole cells and grids the cell does not divide', () => {
    expect(() => runningCellMask({ t: 2, h: 4, w: 4 }, 0.3, 1)).toThrow(ConfigError);
    expect(() => runningCellMask({ t: 2, h: 3, w: 4 }, 0.5, 1)).toThrow(/multiple of the cell/);
    expect(() => runningCellMask({ t: 2, h: 4, w: 4 }, 0.5, 1, { offset: 4 })).toThrow(ConfigError);
  });

  it.skipIf(!hasPython)('matches VideoMAE V2 RunningCellMaskingGenerator maps (numpy reference)', () => {
    // The reference algorithm, re-typed from VideoMAE V2's masking_generator.py (Cell + generator).
    const maps = python<number[][]>(
      `
import json, sys
import numpy as np
t, h, w, ratio = json.load(sys.stdin)
num_masks = int(4 * ratio)
queue = np.hstack([np.ones(num_masks), np.zeros(4 - num_masks)])
out = []
for ptr_pos in range(4):
    ptr = ptr_pos
    rows = []
    for _ in range(t):
        ptr += 1
        cell = queue[(np.arange(4) + ptr) % 4].reshape(2, 2)
        rows.append(np.tile(cell, [h // 2, w // 2]).flatten())
    out.append(np.stack(rows).flatten().astype(int).tolist())
print(json.dumps(out))
`,
      [5, 6, 4, 0.5],
    );
    for (let offset = 0; offset < 4; offset++) {
      const m = runningCellMask({ t: 5, h: 6, w: 4 }, 0.5, 0, { offset });
      expect([...m.hidden]).toEqual(maps[offset]);
    }
  });
});

describe('encoder masks: spec, batch and errors', () => {
  const specs: EncoderMaskSpec[] = [
    { kind: 'random', ratio: 0.75 },
    { kind: 'tube', ratio: 0.9 },
    { kind: 'block', ratio: 0.65 },
    { kind: 'running-cell', ratio: 0.5 },
  ];
  const grid: TokenGrid = { t: 4, h: 6, w: 6 };

  it('batch row b equals the b-th single mask from one shared Rng, for every kind', () => {
    for (const spec of specs) {
      const batch = encoderMaskBatch(5, grid, spec, 17);
      const rng = new Rng(17);
      for (let b = 0; b < 5; b++) {
        const one = encoderMask(grid, spec, rng);
        const row = maskRow(batch, b);
        expect(row.hidden).toEqual(one.hidden);
        expect(row.keep).toEqual(one.keep);
        expect(row.masked).toEqual(one.masked);
        expect(row.restore).toEqual(one.restore);
      }
      expect(hiddenMaskBatch(5, grid, spec, 17)).toEqual(batch.hidden);
      expect(batch.keep.length).toBe(5 * batch.keepCount);
      expect(batch.masked.length).toBe(5 * batch.maskedCount);
    }
  });

  it('a 128-frame grid (64 x 14 x 14 = 12,544 tokens) works for every kind', () => {
    const big = { t: 64, h: 14, w: 14 };
    for (const spec of specs) {
      const b = encoderMaskBatch(2, big, spec, 1);
      expectConsistent(maskRow(b, 1), 12544, b.maskedCount);
    }
  });

  it('typed errors: ratio outside [0, 1), empty grid, unknown kind, bad batch', () => {
    expect(() => tubeMask(grid, 1, 1)).toThrow(ConfigError);
    expect(() => randomMask(grid, -0.5, 1)).toThrow(ConfigError);
    expect(() => blockMask(grid, Number.NaN, 1)).toThrow(ConfigError);
    expect(() => randomMask({ t: 8, h: 0, w: 14 }, 0.5, 1)).toThrow(ConfigError);
    expect(() => encoderMask(grid, { kind: 'nope' } as never, 1)).toThrow(/unknown encoder mask kind/);
    expect(() => encoderMaskBatch(0, grid, specs[0], 1)).toThrow(ConfigError);
    expect(() => maskRow(encoderMaskBatch(2, grid, specs[0], 1), 2)).toThrow(ConfigError);
  });
});

describe('encoderMaskBatch into', () => {
  it('overwrites a previous batch in place with exactly the fresh result; rejects a misfit', () => {
    const grid = { t: 3, h: 4, w: 4 };
    for (const spec of [
      { kind: 'tube', ratio: 0.5 },
      { kind: 'block', ratio: 0.4 },
    ] as const) {
      const first = encoderMaskBatch(3, grid, spec, 1);
      const again = encoderMaskBatch(3, grid, spec, 2, first);
      expect(again.keep).toBe(first.keep);
      const fresh = encoderMaskBatch(3, grid, spec, 2);
      expect(again.hidden).toEqual(fresh.hidden);
      expect(again.keep).toEqual(fresh.keep);
      expect(again.masked).toEqual(fresh.masked);
      expect(again.restore).toEqual(fresh.restore);
    }
    const small = encoderMaskBatch(2, grid, { kind: 'tube', ratio: 0.5 }, 1);
    expect(() => encoderMaskBatch(3, grid, { kind: 'tube', ratio: 0.5 }, 1, small)).toThrow(/into\.hidden/);
  });
});
