import { ConfigError, ShapeError } from '@vfmkit/core';
import { initBackend } from '@vfmkit/nn';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeVariant, initVitWeights } from '../src/index';
import { stackedAxisWeights } from '../src/onnx/dynamic-clip';
import { exportVitOnnx, VideoEncoder } from '../src/onnx/index';
import { VitModel } from '../src/tfjs/index';
import { randomClips, relErr } from './helpers';

beforeAll(async () => {
  await initBackend({ backend: 'wasm', log: null });
});

describe('stackedAxisWeights', () => {
  it('holds the align_corners=false linear rows of every target size (hand-worked, 2 -> 1..4)', () => {
    const m = stackedAxisWeights(2, 4); // [4 sizes, 4 rows, 2]
    const slab = (g: number) => Array.from(m.subarray((g - 1) * 8, g * 8));
    // 2 -> 1: src = 0.5 -> 0.5, 0.5.
    expect(slab(1)).toEqual([0.5, 0.5, 0, 0, 0, 0, 0, 0]);
    // 2 -> 2: identity.
    expect(slab(2)).toEqual([1, 0, 0, 1, 0, 0, 0, 0]);
    // 2 -> 4: src = -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to the last sample).
    expect(slab(4)).toEqual([1, 0, 0.75, 0.25, 0.25, 0.75, 0, 1]);
  });
});

// Training clip 4 x 32 x 32, tubelets 2 x 8 x 8: a 2 x 4 x 4 grid. One graph up to 8 x 48 x 48.
const sizes: [number, number, number][] = [
  [4, 32, 32], // the training size
  [8, 48, 32], // larger in time and height
  [2, 16, 40], // smaller and wider: a grid never seen in training
];

describe.each(['learned', 'separable', 'sincos'] as const)(
  'one graph for any clip size (%s positions)',
  (posEmbed) => {
    const config = decodeVariant('nano/8', {
      frames: 4,
      imageSize: [32, 32],
      posEmbed,
      exposeLayers: [1],
    });
    const weights = initVitWeights(config, 11, { std: 0.1 });

    it('matches the tfjs model at 3 sizes to 1e-4 (tokens, pooled, exposed layer)', async () => {
      const enc = await VideoEncoder.load(exportVitOnnx(config, weights, { maxClip: [8, 48, 48] }), {
        device: 'cpu',
      });
      const model = VitModel.create(config, weights);
      for (const [i, [t, h, w]] of sizes.entries()) {
        const clips = randomClips([2, t, h, w, 3], 20 + i);
        const out = model.forward(clips);
        const [tokens, pooled, layer] = await Promise.all([
          out.tokens.data(),
          out.pooled.data(),
          out.intermediates[0].data(),
        ]);
        out.tokens.dispose();
        out.pooled.dispose();
        for (const x of out.intermediates) x.dispose();
        const e = await enc.embed(clips);
        expect(e.grid).toEqual({ t: t / 2, h: h / 8, w: w / 8 });
        expect(e.dims).toEqual([2, (t / 2) * (h / 8) * (w / 8), config.width]);
        expect(relErr(e.tokens, tokens)).toBeLessThan(1e-4);
        expect(relErr(e.pooled, pooled)).toBeLessThan(1e-4);
        expect(relErr(e.intermediates.get(1) as Float32Array, layer)).toBeLessThan(1e-4);
      }
      model.dispose();
      await enc.dispose();
    });
  },
);

describe('dynamic clip errors', () => {
  const config = decodeVariant('nano/8', { frames: 4, imageSize: [32, 32] });
  const weights = initVitWeights(config, 1, { std: 0.1 });

  it('rejects sizes over the maximum or off the tubelet before running, naming the size', async () => {
    const enc = await VideoEncoder.load(exportVitOnnx(config, weights, { maxClip: [8, 48, 48] }), {
      device: 'cpu',
    });
    expect(enc.clipSizes).toEqual({ dynamic: true, tubelet: [2, 8, 8], max: [8, 48, 48] });
    const cases: [readonly [number, number, number], RegExp][] = [
      [[5, 32, 32], /frames 5 is not a positive multiple of the tubelet's 2/],
      [[10, 32, 32], /frames 10 is over the exported maximum 8/],
      [[4, 56, 32], /height 56 is over the exported maximum 48/],
      [[4, 32, 36], /width 36 is not a positive multiple of the tubelet's 8/],
    ];
    for (const [[t, h, w], message] of cases) {
      const clips = { data: new Float32Array(t * h * w * 3), shape: [1, t, h, w, 3] as const };
      const err = await enc.embed(clips).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ShapeError);
      expect((err as ShapeError).message).toMatch(message);
    }
    await enc.dispose();
  });

  it('rejects a maximum that is not a multiple of the tubelet at export', () => {
    expect(() => exportVitOnnx(config, weights, { maxClip: [8, 44, 48] })).toThrow(ConfigError);
  });
});
