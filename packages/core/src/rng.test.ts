import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError } from './errors';
import { Rng } from './rng';

describe('Rng (xoshiro128**)', () => {
  it('matches the reference xoshiro128** stream for a known state', () => {
    // Reference values printed by the authors' C implementation (xoshiro128starstar.c) with s = {1, 2, 3, 4}.
    const rng = new Rng([1, 2, 3, 4]);
    const seq = Array.from({ length: 6 }, () => rng.nextU32());
    expect(seq).toEqual([11520, 0, 5927040, 70819200, 2031721883, 1637235492]);
  });

  it('pins the sequence for seed 42', () => {
    const rng = new Rng(42);
    const seq = Array.from({ length: 4 }, () => rng.nextU32());
    const again = new Rng(42);
    expect(Array.from({ length: 4 }, () => again.nextU32())).toEqual(seq);
    expect(seq).toMatchInlineSnapshot(`
      [
        2837322924,
        544945897,
        479756282,
        3500138142,
      ]
    `);
  });

  it('resumes exactly from a saved state', () => {
    const rng = new Rng(7);
    for (let i = 0; i < 10; i++) rng.uniform();
    const copy = new Rng(rng.state());
    expect(copy.uniform()).toBe(rng.uniform());
    expect(copy.normal()).toBe(rng.normal());
  });

  it('uniform lies in [0, 1) with mean ~0.5; normal has mean ~0 and std ~1', () => {
    const rng = new Rng(1);
    let sum = 0;
    let sq = 0;
    let usum = 0;
    const n = 20000;
    for (let i = 0; i < n; i++) {
      const u = rng.uniform();
      expect(u >= 0 && u < 1).toBe(true);
      usum += u;
      const z = rng.normal();
      sum += z;
      sq += z * z;
    }
    expect(usum / n).toBeCloseTo(0.5, 1);
    expect(sum / n).toBeCloseTo(0, 1);
    expect(Math.sqrt(sq / n)).toBeCloseTo(1, 1);
  });

  it('int is unbiased enough over a small range', () => {
    const rng = new Rng(3);
    const counts = new Array(6).fill(0);
    for (let i = 0; i < 60000; i++) counts[rng.int(6)]++;
    for (const c of counts) expect(Math.abs(c - 10000)).toBeLessThan(400);
  });

  it('shuffle is a permutation of its input (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer()), fc.integer(), (items, seed) => {
        const shuffled = new Rng(seed).shuffle([...items]);
        expect([...shuffled].sort((a, b) => a - b)).toEqual([...items].sort((a, b) => a - b));
      }),
    );
  });

  it('sample gives k distinct values in [0, n) (property, both algorithms)', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 0, max: 2000 })
          .chain((n) => fc.tuple(fc.constant(n), fc.integer({ min: 0, max: n }))),
        fc.integer(),
        ([n, k], seed) => {
          const s = new Rng(seed).sample(n, k);
          expect(s.length).toBe(k);
          expect(new Set(s).size).toBe(k);
          for (const v of s) expect(v >= 0 && v < n).toBe(true);
          expect(new Rng(seed).sample(n, k)).toEqual(s);
        },
      ),
    );
  });

  it('sample covers every element about equally often', () => {
    const rng = new Rng(11);
    const counts = new Array(100).fill(0);
    for (let i = 0; i < 5000; i++) for (const v of rng.sample(100, 5)) counts[v]++;
    for (const c of counts) expect(Math.abs(c - 250)).toBeLessThan(80);
  });

  it('rejects bad arguments with ConfigError', () => {
    expect(() => new Rng(Number.NaN)).toThrow(ConfigError);
    expect(() => new Rng([0, 0, 0, 0])).toThrow(ConfigError);
    expect(() => new Rng(1).int(0)).toThrow(ConfigError);
    expect(() => new Rng(1).sample(3, 4)).toThrow(ConfigError);
  });

  it('fork gives an independent, reproducible stream', () => {
    const a = new Rng(5).fork();
    const b = new Rng(5).fork();
    expect(a.nextU32()).toBe(b.nextU32());
    expect(new Rng(5).fork().nextU32()).not.toBe(new Rng(6).fork().nextU32());
  });
});
