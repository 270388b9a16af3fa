import { execFileSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { referencePython } from '../../../test-support/reference-tools';
import { ConfigError } from './errors';
import {
  type VitShape,
  validateVitShape,
  vitBlockParameterCount,
  vitMacsBreakdown,
  vitShapeForwardMacs,
  vitShapeParameterCount,
} from './vit-shape';

const vitB16Image: VitShape = {
  width: 768,
  depth: 12,
  heads: 12,
  mlpDim: 3072,
  tubelet: [1, 16, 16],
  channels: 3,
  qkvBias: true,
  clsToken: true,
};
const vitB16Video: VitShape = { ...vitB16Image, tubelet: [2, 16, 16], clsToken: false };

const TORCH_PY = referencePython(['torch']);

describe('vitShapeParameterCount', () => {
  it('counts one ViT-B block by hand: 12 D^2 + 13 D', () => {
    // norms 4D + qkv 3D^2 + 3D + proj D^2 + D + fc1 4D^2 + 4D + fc2 4D^2 + D = 12 D^2 + 13 D
    expect(vitBlockParameterCount(vitB16Image)).toBe(12 * 768 * 768 + 13 * 768);
    expect(vitBlockParameterCount(vitB16Image)).toBe(7_087_872);
  });

  it("matches timm's ViT-B/16 (86,567,656 with its 1000-class head) to the parameter", () => {
    // patch 768*768 + 768, cls 768, pos 197*768, blocks 12 * 7,087,872, final norm 1536
    const expected = 590_592 + 768 + 151_296 + 85_054_464 + 1_536;
    expect(expected).toBe(85_798_656);
    expect(vitShapeParameterCount(vitB16Image, { posEmbedTokens: 197 })).toBe(expected);
    const head = 768 * 1000 + 1000;
    expect(expected + head).toBe(86_567_656);
  });

  it('video ViT-B/16 with 2x16x16 tubelets and sin-cos positions is ~86-87M', () => {
    const n = vitShapeParameterCount(vitB16Video);
    expect(n).toBe(1536 * 768 + 768 + 12 * 7_087_872 + 1536);
    expect(n / 1e6).toBeGreaterThan(86);
    expect(n / 1e6).toBeLessThan(87);
  });

  it.skipIf(!TORCH_PY)(
    'agrees with PyTorch modules built from the same shape (needs python3 + torch)',
    () => {
      const py = `
import torch.nn as nn
def count(D, L, H, M, t, p, C, qkv_bias, cls, pos):
    mods = [nn.Conv3d(C, D, (t, p, p), (t, p, p))]
    for _ in range(L):
        mods += [nn.LayerNorm(D), nn.Linear(D, 3 * D, bias=qkv_bias), nn.Linear(D, D), nn.LayerNorm(D),
                 nn.Linear(D, M), nn.Linear(M, D)]
    mods.append(nn.LayerNorm(D))
    n = sum(x.numel() for m in mods for x in m.parameters())
    return n + (D if cls else 0) + pos * D
print(count(768, 12, 12, 3072, 1, 16, 3, True, True, 197), count(384, 12, 6, 1536, 2, 16, 3, False, False, 1568),
      count(1024, 24, 16, 4096, 2, 16, 3, True, False, 0))`;
      const out = execFileSync(TORCH_PY as string, ['-c', py], { encoding: 'utf8' })
        .trim()
        .split(/\s+/)
        .map(Number);
      expect(vitShapeParameterCount(vitB16Image, { posEmbedTokens: 197 })).toBe(out[0]);
      const s: VitShape = { ...vitB16Video, width: 384, heads: 6, mlpDim: 1536, qkvBias: false };
      expect(vitShapeParameterCount(s, { posEmbedTokens: 1568 })).toBe(out[1]);
      const l: VitShape = { ...vitB16Video, width: 1024, depth: 24, heads: 16, mlpDim: 4096 };
      expect(vitShapeParameterCount(l)).toBe(out[2]);
    },
  );
});

describe('vitShapeForwardMacs', () => {
  it('ViT-B on 8 x 14 x 14 = 1568 tokens is ~180 GMACs (VideoMAE reports 180 G)', () => {
    const N = 1568;
    const D = 768;
    // hand count: patch N*1536*D; per block 4ND^2 (qkv+proj) + 2N^2 D (scores, AV) + 8ND^2 (MLP)
    const hand = N * 1536 * D + 12 * (12 * N * D * D + 2 * N * N * D);
    expect(vitShapeForwardMacs(vitB16Video, N)).toBe(hand);
    expect(hand / 1e9).toBeCloseTo(180.35, 1);
  });

  it('adds the class token inside the blocks only', () => {
    const b = vitMacsBreakdown(vitB16Image, 196);
    expect(b.patchEmbed).toBe(196 * 768 * 768);
    expect(b.mlp).toBe(12 * 2 * 197 * 768 * 3072);
    expect(b.attentionMatrix).toBe(12 * 2 * 197 * 197 * 768);
    expect(b.total).toBe(b.patchEmbed + b.attentionProjections + b.attentionMatrix + b.mlp);
  });

  it('grows linearly in depth and superlinearly in tokens', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 48 }), fc.integer({ min: 1, max: 4096 }), (depth, tokens) => {
        const s = { ...vitB16Video, depth };
        const one = vitMacsBreakdown({ ...s, depth: 1 }, tokens);
        const many = vitMacsBreakdown(s, tokens);
        expect(many.total - many.patchEmbed).toBe(depth * (one.total - one.patchEmbed));
        expect(vitShapeForwardMacs(s, 2 * tokens)).toBeGreaterThan(2 * vitShapeForwardMacs(s, tokens));
      }),
    );
  });
});

describe('validateVitShape', () => {
  it('names the offending key', () => {
    expect(() => validateVitShape({ ...vitB16Video, heads: 5 })).toThrow(/not divisible by heads/);
    expect(() => vitShapeParameterCount({ ...vitB16Video, width: 0 })).toThrow(ConfigError);
    expect(() => vitShapeForwardMacs(vitB16Video, 0)).toThrow(/tokens/);
    expect(() => vitShapeForwardMacs({ ...vitB16Video, tubelet: [2, 16] as never }, 8)).toThrow(/tubelet/);
    expect(() => vitShapeParameterCount(vitB16Video, { posEmbedTokens: -1 })).toThrow(/posEmbedTokens/);
    try {
      validateVitShape({ ...vitB16Video, mlpDim: 1.5 });
      expect.unreachable();
    } catch (e) {
      expect((e as ConfigError).details.key).toBe('mlpDim');
    }
    expect(() => validateVitShape({ ...vitB16Video, heads: 5, headDim: 64 })).not.toThrow();
  });
});
