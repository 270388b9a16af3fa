import { ConfigError, Rng, type VfmError } from '@vfmkit/core';
import { describe, expect, it } from 'vitest';
import {
  ClipSizeError,
  CodebookOverflowError,
  codebookStats,
  fsqBound,
  fsqCodebookSize,
  fsqCodesToIndices,
  fsqIndicesToCodes,
  fsqQuantize,
  latentGrid,
  lfqCodebook,
  lfqCodesToIndices,
  lfqIndicesToCodes,
  lfqQuantize,
  parseTokenizerConfig,
  stageFactors,
  tokenizerGrid,
} from '../src/index';
import { hasPython, runReference } from './python-reference';

function randn(n: number, seed: number, scale: number): Float64Array {
  const rng = new Rng(seed);
  return Float64Array.from({ length: n }, () => rng.normal() * scale);
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('FSQ arithmetic', () => {
  it('agrees with a numpy port of the FSQ paper code (bound, round, ids, ids -> codes)', {
    skip: !hasPython,
  }, () => {
    const cases = [
      { levels: [8, 8, 8, 5, 5, 5], z: randn(6 * 400, 1, 2) },
      { levels: [2, 3, 4, 7], z: randn(4 * 300, 2, 3) },
      // zeros and huge values: the centre and both saturated ends of every level
      { levels: [8, 5, 4, 2], z: Float64Array.from([0, 0, 0, 0, 50, 50, 50, 50, -50, -50, -50, -50]) },
    ];
    const ref = runReference(cases.map((c) => ({ fn: 'fsq', args: { levels: c.levels, z: [...c.z] } })));
    for (let i = 0; i < cases.length; i++) {
      const { levels, z } = cases[i];
      const r = ref[i] as { bounded: number[]; codes: number[]; ids: number[]; back: number[]; size: number };
      expect(fsqCodebookSize(levels)).toBe(r.size);
      expect(maxAbsDiff(fsqBound(z, levels), r.bounded)).toBeLessThan(1e-12);
      const codes = fsqQuantize(z, levels);
      expect(maxAbsDiff(codes, r.codes)).toBe(0);
      const ids = fsqCodesToIndices(codes, levels);
      expect([...ids]).toEqual(r.ids);
      expect(maxAbsDiff(fsqIndicesToCodes(ids, levels), r.back)).toBeLessThan(1e-7);
    }
  });

  it('[8,8,8,5,5,5] has 64,000 codes and every id round-trips', () => {
    const levels = [8, 8, 8, 5, 5, 5];
    expect(fsqCodebookSize(levels)).toBe(64_000);
    const ids = Int32Array.from({ length: 64_000 }, (_, i) => i);
    expect(fsqCodesToIndices(fsqIndicesToCodes(ids, levels), levels)).toEqual(ids);
  });

  it('hand-worked: L = 4 gives {-1, -0.5, 0, 0.5}, L = 3 gives {-1, 0, 1}; first dim least significant', () => {
    // L = 4: half_l = 1.4985, offset 0.5: saturates at -1.9985 -> -2 and 0.9985 -> 1; codes / 2.
    expect([...fsqQuantize([-50, 50], [4, 3])]).toEqual([-1, 1]);
    expect([...fsqQuantize([50, -50], [4, 3])]).toEqual([0.5, -1]);
    expect([...fsqQuantize([0, 0], [4, 3])]).toEqual([0, 0]);
    // digits: (0.5*2+2, -1*1+1) = (3, 0) -> 3 + 0 * 4 = 3; (-1, 1) -> (0, 2) -> 0 + 2 * 4 = 8
    expect([...fsqCodesToIndices([0.5, -1, -1, 1], [4, 3])]).toEqual([3, 8]);
  });

  it('typed errors: int32 overflow, a bad level, a value that is not a code, an id out of range', () => {
    expect(() => fsqCodebookSize([65536, 65536])).toThrow(CodebookOverflowError);
    expect(() => fsqCodebookSize([8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8])).toThrow(CodebookOverflowError);
    expect(fsqCodebookSize([65536, 32768])).toBe(2 ** 31);
    expect(() => fsqCodebookSize([8, 1])).toThrow(ConfigError);
    expect(() => fsqCodesToIndices([0.3, 0], [4, 3])).toThrow(ConfigError);
    expect(() => fsqIndicesToCodes([12], [4, 3])).toThrow(ConfigError);
    try {
      parseTokenizerConfig({ quantizer: { kind: 'fsq', levels: [65536, 65536] } });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(CodebookOverflowError);
      expect((e as VfmError).code).toBe('TOKENIZER_CODEBOOK_OVERFLOW');
    }
  });
});

describe('LFQ arithmetic', () => {
  it('agrees with numpy (sign bits, id = sum bit * 2^i), z = 0 maps to -1', { skip: !hasPython }, () => {
    const z = randn(10 * 200, 3, 1);
    z[0] = 0;
    z[13] = 0;
    const [r] = runReference([{ fn: 'lfq', args: { bits: 10, z: [...z] } }]) as {
      codes: number[];
      ids: number[];
    }[];
    const codes = lfqQuantize(z, 10);
    expect([...codes]).toEqual(r.codes);
    expect(codes[0]).toBe(-1);
    const ids = lfqCodesToIndices(codes, 10);
    expect([...ids]).toEqual(r.ids);
    expect([...lfqIndicesToCodes(ids, 10)]).toEqual(r.codes);
  });

  it('hand-worked ids and the whole codebook', () => {
    expect([...lfqCodesToIndices([1, -1, 1, -1, -1, -1], 3)]).toEqual([5, 0]);
    expect([...lfqCodebook(2)]).toEqual([-1, -1, 1, -1, -1, 1, 1, 1]);
  });

  it('typed errors: 32 bits overflow int32, 31 fit; a non-code value', () => {
    expect(() => lfqCodesToIndices(new Float32Array(32), 32)).toThrow(CodebookOverflowError);
    expect(() => parseTokenizerConfig({ quantizer: { kind: 'lfq', bits: 40 } })).toThrow(
      CodebookOverflowError,
    );
    expect(lfqIndicesToCodes([2 ** 31 - 1], 31).every((v) => v === 1)).toBe(true);
    expect(() => lfqCodesToIndices([1, 0.5], 2)).toThrow(ConfigError);
  });
});

describe('codebook statistics', () => {
  it('usage, entropy and perplexity agree with numpy', { skip: !hasPython }, () => {
    const rng = new Rng(4);
    const ids = Array.from({ length: 500 }, () => Math.floor(rng.uniform() ** 2 * 300));
    const [r] = runReference([{ fn: 'stats', args: { ids, size: 1000 } }]) as {
      used: number;
      entropy: number;
      perplexity: number;
    }[];
    const s = codebookStats(ids, 1000);
    expect(s.used).toBe(r.used);
    expect(s.usage).toBeCloseTo(r.used / 1000, 12);
    expect(s.entropy).toBeCloseTo(r.entropy, 10);
    expect(s.perplexity).toBeCloseTo(r.perplexity, 8);
  });

  it('hand-worked: one code -> perplexity 1; uniform over 4 -> 4', () => {
    expect(codebookStats([3, 3, 3], 8).perplexity).toBe(1);
    expect(codebookStats([0, 1, 2, 3], 8).perplexity).toBeCloseTo(4, 12);
    expect(codebookStats([0, 1, 2, 3], 8).usage).toBe(0.5);
    expect(() => codebookStats([8], 8)).toThrow(ConfigError);
  });
});

describe('latent grid and config', () => {
  it('grid [T/ft, H/fh, W/fw]; defaults align with the ViT default tubelet 2x16x16 on 16x224x224', () => {
    expect(latentGrid([8, 32, 32], [2, 8, 8])).toEqual({ t: 4, h: 4, w: 4 });
    const c = parseTokenizerConfig({});
    expect(c.downsample).toEqual([2, 16, 16]);
    expect(tokenizerGrid(c)).toEqual({ t: 8, h: 14, w: 14 });
    expect(c.widths).toEqual([32, 64, 128, 128, 128]);
  });

  it('stage factors: every axis halves while it has a factor left', () => {
    expect(stageFactors([2, 8, 8])).toEqual([
      [2, 2, 2],
      [1, 2, 2],
      [1, 2, 2],
    ]);
    expect(stageFactors([1, 1, 1])).toEqual([]);
  });

  it('typed errors: clip not divisible, a factor that is not a power of two, wrong widths', () => {
    try {
      latentGrid([9, 32, 32], [2, 8, 8]);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ClipSizeError);
      expect((e as ClipSizeError).details).toEqual({ axis: 'frames', size: 9, factor: 2 });
    }
    expect(() => parseTokenizerConfig({ frames: 4, imageSize: [20, 16], downsample: [2, 8, 8] })).toThrow(
      ClipSizeError,
    );
    expect(() => parseTokenizerConfig({ downsample: [2, 6, 6] })).toThrow(ConfigError);
    expect(() => parseTokenizerConfig({ downsample: [2, 8, 8], widths: [8, 16] })).toThrow(/widths needs 4/);
  });
});
