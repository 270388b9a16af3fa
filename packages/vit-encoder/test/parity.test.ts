import { ConfigError } from '@vfmkit/core';
import { initBackend, tf } from '@vfmkit/nn';
import { readModelInfo } from '@vfmkit/onnx';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeVariant, initVitWeights } from '../src/index';
import { exportVitOnnx, VideoEncoder } from '../src/onnx/index';
import { VitModel } from '../src/tfjs/index';
import { randomClips, relErr, visibleIndex } from './helpers';

beforeAll(async () => {
  await initBackend({ backend: 'wasm', log: null });
});

// 4 frames of 32 x 32, tubelets 2 x 8 x 8: a 2 x 4 x 4 grid of 32 tokens.
const cases = [
  {
    variant: 'nano/8',
    posEmbed: 'learned' as const,
    finalNorm: 'tokens' as const,
    attention: 'matmul' as const,
  },
  { variant: 'nano/8', posEmbed: 'sincos' as const, finalNorm: 'none' as const, attention: 'fused' as const },
  {
    variant: 'tiny/8',
    posEmbed: 'separable' as const,
    finalNorm: 'pooled' as const,
    attention: 'fused' as const,
  },
  // Fused attention with standard-op GELU / biases (the default with fused attention is `contrib`).
  {
    variant: 'nano/8',
    posEmbed: 'learned' as const,
    finalNorm: 'tokens' as const,
    attention: 'fused' as const,
    fusions: 'standard' as const,
  },
  // The contrib MLP in D-wide column blocks (the default from 1024 tokens per clip; these clips have 32).
  {
    variant: 'tiny/8',
    posEmbed: 'learned' as const,
    finalNorm: 'tokens' as const,
    attention: 'fused' as const,
    mlpBlocks: 4,
  },
];

describe.each(cases)(
  'tfjs vs ONNX Runtime, $variant ($posEmbed positions, $attention attention, $fusions fusions, $mlpBlocks MLP blocks)',
  ({
    variant,
    posEmbed,
    finalNorm,
    attention,
    fusions,
    mlpBlocks,
  }: (typeof cases)[number] & { fusions?: 'standard'; mlpBlocks?: number }) => {
    const config = decodeVariant(variant, {
      frames: 4,
      imageSize: [32, 32],
      posEmbed,
      finalNorm,
      exposeLayers: [0, 1],
      numClasses: 5,
    });
    const weights = initVitWeights(config, 7, { std: 0.1 });

    it('batch 1 and 3, all tokens and a visible-token index, agree to 1e-4', async () => {
      const model = VitModel.create(config, weights);
      const encoders = {
        all: await VideoEncoder.load(exportVitOnnx(config, weights, { attention, fusions, mlpBlocks }), {
          device: 'cpu',
        }),
        visible: await VideoEncoder.load(
          exportVitOnnx(config, weights, { visibleInput: true, attention, fusions, mlpBlocks }),
          {
            device: 'cpu',
          },
        ),
        // The same graph run one clip per ORT run (runTokens below a clip's tokens), joined by embed.
        sliced: await VideoEncoder.load(exportVitOnnx(config, weights, { attention, fusions, mlpBlocks }), {
          device: 'cpu',
          runTokens: 8,
        }),
        slicedVisible: await VideoEncoder.load(
          exportVitOnnx(config, weights, { visibleInput: true, attention, fusions, mlpBlocks }),
          { device: 'cpu', runTokens: 8 },
        ),
      };
      for (const batch of [1, 3]) {
        const clips = randomClips([batch, 4, 32, 32, 3], batch);
        for (const vis of [undefined, visibleIndex(batch, 32, 9, 11 + batch)]) {
          const before = tf.memory().numTensors;
          const ref = tf.tidy(() => {
            const o = model.forward(clips, { visible: vis });
            return [o.tokens, o.pooled, o.logits as tf.Tensor, ...o.intermediates];
          });
          const [tokens, pooled, logits, l0, l1] = await Promise.all(ref.map((t) => t.data()));
          tf.dispose(ref);
          expect(tf.memory().numTensors).toBe(before);

          const pair = vis ? [encoders.visible, encoders.slicedVisible] : [encoders.all, encoders.sliced];
          for (const encoder of pair) {
            const e = await encoder.embed(clips, { visible: vis });
            expect(e.dims).toEqual([batch, vis ? 9 : 32, config.width]);
            expect(relErr(e.tokens, tokens)).toBeLessThan(1e-4);
            expect(relErr(e.pooled, pooled)).toBeLessThan(1e-4);
            expect(relErr(e.logits as Float32Array, logits)).toBeLessThan(1e-4);
            expect(relErr(e.intermediates.get(0) as Float32Array, l0)).toBeLessThan(1e-4);
            expect(relErr(e.intermediates.get(1) as Float32Array, l1)).toBeLessThan(1e-4);
          }
        }
      }
      for (const encoder of Object.values(encoders)) await encoder.dispose();
      model.dispose();
    });
  },
);

describe('ONNX export options', () => {
  it('names an mlpBlocks that does not divide the MLP width', () => {
    const config = decodeVariant('nano/8', { frames: 4, imageSize: [32, 32] });
    const weights = initVitWeights(config, 3);
    expect(() => exportVitOnnx(config, weights, { mlpBlocks: 3 })).toThrow(ConfigError);
    expect(() => exportVitOnnx(config, weights, { mlpBlocks: 3 })).toThrow(
      `mlpBlocks 3 does not divide the MLP width ${config.mlpDim}`,
    );
    expect(() => exportVitOnnx(config, weights, { mlpBlocks: 0 })).toThrow(ConfigError);
  });

  it('writes the MLP in D-wide blocks by default from 1024 tokens per clip, else as one product', async () => {
    const config = decodeVariant('nano/8', { frames: 4, imageSize: [32, 32] });
    const weights = initVitWeights(config, 3);
    const matmuls = async (clip: readonly [number, number, number]) =>
      (await readModelInfo(exportVitOnnx(config, weights, { clip }))).ops.MatMul;
    const blocks = config.mlpDim / config.width;
    // Per layer: Q, K, V, proj, and one fc1 and one fc2 product per block; plus the patch embedding.
    expect(await matmuls([4, 32, 32])).toBe(config.depth * (4 + 2) + 1); // 32 tokens
    expect(await matmuls([8, 128, 128])).toBe(config.depth * (4 + 2 * blocks) + 1); // 1024 tokens
  });

  it('names a runTokens below 1', async () => {
    const config = decodeVariant('nano/8', { frames: 4, imageSize: [32, 32] });
    const bytes = exportVitOnnx(config, initVitWeights(config, 3));
    await expect(VideoEncoder.load(bytes, { device: 'cpu', runTokens: 0 })).rejects.toThrow(
      'runTokens must be at least 1 (or Infinity), got 0',
    );
  });
});

describe('ONNX export at another clip size', () => {
  it('resamples positions like the tfjs model does (8 frames of 48 x 32)', async () => {
    const config = decodeVariant('nano/8', { frames: 4, imageSize: [32, 32], posEmbed: 'learned' });
    const weights = initVitWeights(config, 3, { std: 0.1 });
    const clips = randomClips([2, 8, 48, 32, 3], 5);
    const model = VitModel.create(config, weights);
    const ref = model.forwardFeatures(clips);
    const want = await ref.data();
    ref.dispose();
    model.dispose();
    const enc = await VideoEncoder.load(exportVitOnnx(config, weights, { clip: [8, 48, 32] }), {
      device: 'cpu',
    });
    const e = await enc.embed(clips);
    await enc.dispose();
    expect(e.grid).toEqual({ t: 4, h: 6, w: 4 });
    expect(relErr(e.tokens, want)).toBeLessThan(1e-4);
  });
});
