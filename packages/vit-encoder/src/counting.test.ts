import { ConfigError } from '@vfmkit/core';
import { describe, expect, it } from 'vitest';
import { parseVitConfig } from './config';
import {
  maeDecoderMacs,
  maeDecoderParameterCount,
  vitForwardFlops,
  vitForwardMacs,
  vitParameterCount,
  vitWeightCount,
} from './counting';
import { parseMaeDecoderConfig } from './mae-config';
import { decodeVariant, maeDecoderFor } from './variants';

describe('parameter counts (hand-computed)', () => {
  // patch embedding 2*16*16*3 x D + D; per block: 2 norms 4D, qkv D*3D + 3D, proj D*D + D,
  // fc1 D*M + M, fc2 M*D + D; final norm 2D; learned positions 1568 x D.
  it('ViT-S/16: 22,486,656 with learned positions, 21,884,544 with sin-cos', () => {
    // 590,208 + 602,112 + 12 * 1,774,464 + 768
    expect(vitParameterCount(decodeVariant('S/16'))).toBe(22_486_656);
    expect(vitParameterCount(decodeVariant('S/16', { posEmbed: 'sincos' }))).toBe(21_884_544);
  });
  it('ViT-B/16: 87,440,640 (~87M, VideoMAE) with learned positions, 86,236,416 with sin-cos', () => {
    expect(vitParameterCount(decodeVariant('B/16'))).toBe(87_440_640);
    expect(vitParameterCount(decodeVariant('B/16', { posEmbed: 'sincos' }))).toBe(86_236_416);
  });
  it('ViT-L/16: 305,490,944 with learned positions, 303,885,312 with sin-cos', () => {
    expect(vitParameterCount(decodeVariant('L/16'))).toBe(305_490_944);
    expect(vitParameterCount(decodeVariant('L/16', { posEmbed: 'sincos' }))).toBe(303_885_312);
  });
  it("separable positions count T' + H'W' rows, no qkv bias drops 3D per block, a head adds D*K + K", () => {
    const base = decodeVariant('S/16', { posEmbed: 'sincos' });
    expect(
      vitParameterCount(decodeVariant('S/16', { posEmbed: 'separable' })) - vitParameterCount(base),
    ).toBe((8 + 196) * 384);
    expect(vitParameterCount(base) - vitParameterCount({ ...base, qkvBias: false })).toBe(12 * 3 * 384);
    expect(vitParameterCount({ ...base, numClasses: 400 }) - vitParameterCount(base)).toBe(384 * 400 + 400);
  });
  it('the 22B variant has ~21.7B parameters', () => {
    const n = vitParameterCount(decodeVariant('22B/16'));
    expect(n).toBeGreaterThan(21.5e9);
    expect(n).toBeLessThan(21.9e9);
  });
});

describe('MACs', () => {
  it('ViT-B/16 on 16 x 224 x 224 is ~180 G multiply-accumulates (VideoMAE) and ~361 GFLOPs (VideoGLUE)', () => {
    const b = decodeVariant('B/16');
    // 1568*1536*768 + 12 * (4*1568*768^2 + 2*1568^2*768 + 2*1568*768*3072)
    expect(vitForwardMacs(b)).toBe(180_344_586_240);
    expect(vitForwardFlops(b)).toBe(2 * 180_344_586_240);
  });
  it('ViT-S/16 is 113.76 GFLOPs (PLATFORM anchor) and scales with the token count', () => {
    const s = decodeVariant('S/16');
    expect(vitForwardFlops(s)).toBe(2 * 56_877_907_968);
    // 160 visible tokens (tube masking 0.9)
    const n = 160;
    expect(vitForwardMacs(s, { tokens: n })).toBe(
      n * 1536 * 384 + 12 * (4 * n * 384 ** 2 + 2 * n * n * 384 + 2 * n * 384 * 1536),
    );
  });
  it('MAE decoder MACs and parameters', () => {
    const s = decodeVariant('S/16');
    const dec = parseMaeDecoderConfig(maeDecoderFor('S'));
    expect(dec).toMatchObject({ width: 192, depth: 4, heads: 3, mlpDim: 768 });
    const n = 1568;
    expect(maeDecoderMacs(s, dec, { visible: 160, decoded: n, predicted: n - 160 })).toBe(
      160 * 384 * 192 + 4 * (4 * n * 192 ** 2 + 2 * n * n * 192 + 2 * n * 192 * 768) + (n - 160) * 192 * 1536,
    );
    // embed 384*192+192, mask token 192, 4 blocks of width 192 / mlp 768, norm 384, head 192*1536+1536
    const block = 4 * 192 + 192 * 576 + 576 + 192 * 192 + 192 + 192 * 768 + 768 + 768 * 192 + 192;
    expect(maeDecoderParameterCount(s, dec)).toBe(
      384 * 192 + 192 + 192 + 4 * block + 384 + 192 * 1536 + 1536,
    );
  });
  it('rejects a non-positive token count', () => {
    expect(() => vitForwardMacs(decodeVariant('S/16'), { tokens: 0 })).toThrow(ConfigError);
  });
});

describe('configs and variants', () => {
  it('decodes names with and without a patch size', () => {
    expect(decodeVariant('B/16')).toMatchObject({
      width: 768,
      depth: 12,
      heads: 12,
      mlpDim: 3072,
      tubelet: [2, 16, 16],
    });
    expect(decodeVariant('nano/8', { frames: 4, imageSize: [32, 32] }).tubelet).toEqual([2, 8, 8]);
    expect(decodeVariant('L').tubelet).toEqual([2, 16, 16]);
  });
  it('rejects unknown variants and inconsistent configs with the offending key', () => {
    expect(() => decodeVariant('Q/16')).toThrow(/unknown ViT variant/);
    const bad = (input: Parameters<typeof parseVitConfig>[0], key: string) => {
      try {
        parseVitConfig(input);
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        expect((e as ConfigError).details.key).toBe(key);
      }
    };
    bad({ width: 100, depth: 2, heads: 3, mlpDim: 10 }, 'heads');
    bad({ width: 96, depth: 2, heads: 3, mlpDim: 10, imageSize: [30, 32] }, 'height');
    bad({ width: 96, depth: 2, heads: 3, mlpDim: 10, exposeLayers: [2] }, 'exposeLayers');
    bad({ width: -1, depth: 2, heads: 3, mlpDim: 10 }, 'width');
    bad({ width: 96, depth: 2, heads: 3, mlpDim: 10, posEmbed: 'rope' as 'learned' }, 'posEmbed');
    expect(() => parseMaeDecoderConfig({ width: 32, depth: 1, heads: 2, target: 'tokens' })).toThrow(
      /vocabSize/,
    );
  });
});

describe('consistency with the declared weights', () => {
  it('vitParameterCount equals the sum of the weight shapes for every variant and option', () => {
    for (const name of ['nano/8', 'tiny/16', 'S/16', 'B/16', 'L/14', 'H/14', 'g/14', 'e/14', '22B/16']) {
      for (const posEmbed of ['learned', 'sincos', 'separable'] as const) {
        for (const finalNorm of ['tokens', 'pooled', 'none'] as const) {
          const c = decodeVariant(name, {
            posEmbed,
            finalNorm,
            numClasses: 7,
            qkvBias: finalNorm !== 'none',
          });
          expect(vitParameterCount(c)).toBe(vitWeightCount(c));
        }
      }
    }
  });
});
