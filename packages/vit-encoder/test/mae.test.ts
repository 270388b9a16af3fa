import { ConfigError, Rng } from '@vfmkit/core';
import { decoderMaskBatch, encoderMaskBatch } from '@vfmkit/masking';
import { AdamW, computeGradients, disposeGrads, initBackend, tf } from '@vfmkit/nn';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  decodeVariant,
  initMaeDecoderWeights,
  initVitWeights,
  type NamedWeights,
  parseMaeDecoderConfig,
} from '../src/index';
import { MaeModel, VitModel } from '../src/tfjs/index';
import { randomClips, relErr, visibleIndex } from './helpers';
import { referenceEncoder, referenceMaeLoss } from './reference';

beforeAll(async () => {
  await initBackend({ backend: 'wasm', log: null });
});

// nano encoder on 4 frames of 16 x 16 with 2 x 8 x 8 tubelets: 8 tokens; 3 visible, 5 decoded.
const encoder = decodeVariant('nano/8', { frames: 4, imageSize: [16, 16], posEmbed: 'learned' });
const masks = (b: number) => {
  const visible = visibleIndex(b, 8, 3, 1);
  const decode = new Int32Array(b * 5);
  for (let i = 0; i < b; i++) {
    const keep = new Set(visible.subarray(i * 3, i * 3 + 3));
    decode.set(
      [...Array(8).keys()].filter((t) => !keep.has(t)),
      i * 5,
    );
  }
  return { visible, decode };
};

function merged(a: NamedWeights, b: NamedWeights): NamedWeights {
  return new Map([...a, ...b]);
}

describe('float64 reference', () => {
  it('the tfjs encoder matches a float64 re-computation', async () => {
    const w = initVitWeights(encoder, 2, { std: 0.2 });
    const clips = randomClips([2, 4, 16, 16, 3], 3);
    const { visible } = masks(2);
    const model = VitModel.create(encoder, w);
    const got = model.forwardFeatures(clips, { visible });
    const data = await got.data();
    got.dispose();
    model.dispose();
    const ref = referenceEncoder(encoder, w, clips, visible);
    const want = new Float64Array(data.length);
    want.set(ref[0], 0);
    want.set(ref[1], ref[0].length);
    expect(relErr(data, want)).toBeLessThan(1e-5);
  });

  it('MAE pixel loss (normalised per patch) equals the float64 re-computation', async () => {
    const dec = parseMaeDecoderConfig({ width: 32, depth: 1, heads: 2, posEmbed: 'learned' });
    const we = initVitWeights(encoder, 4, { std: 0.2 });
    const wd = initMaeDecoderWeights(encoder, dec, 5, { std: 0.2 });
    const clips = randomClips([2, 4, 16, 16, 3], 6);
    const m = masks(2);
    const mae = MaeModel.create(encoder, dec, { encoder: we, decoder: wd });
    const loss = tf.tidy(() => mae.loss(clips, m));
    const got = (await loss.data())[0];
    loss.dispose();
    mae.dispose();
    const want = referenceMaeLoss(encoder, dec, merged(we, wd), clips, m.visible, m.decode);
    expect(Math.abs(got - want) / want).toBeLessThan(1e-5);
  });

  it('MAE token-id loss (cross-entropy over the vocabulary) equals the float64 re-computation', async () => {
    const dec = parseMaeDecoderConfig({ width: 32, depth: 2, heads: 4, target: 'tokens', vocabSize: 11 });
    const sin = decodeVariant('nano/8', { frames: 4, imageSize: [16, 16], posEmbed: 'sincos' });
    const we = initVitWeights(sin, 7, { std: 0.2 });
    const wd = initMaeDecoderWeights(sin, dec, 8, { std: 0.2 });
    const clips = randomClips([1, 4, 16, 16, 3], 9);
    const rng = new Rng(10);
    const ids = Int32Array.from({ length: 8 }, () => rng.int(11));
    const m = masks(1);
    const mae = MaeModel.create(sin, dec, { encoder: we, decoder: wd });
    const loss = tf.tidy(() => mae.loss(clips, m, { tokenIds: ids }));
    const got = (await loss.data())[0];
    loss.dispose();
    expect(() => mae.loss(clips, m)).toThrow(/tokenIds/);
    mae.dispose();
    const want = referenceMaeLoss(sin, dec, merged(we, wd), clips, m.visible, m.decode, ids);
    expect(Math.abs(got - want) / want).toBeLessThan(1e-5);
  });
});

describe('with @vfmkit/masking (LVMAE: tube encoder mask, adaptive decoder mask, token targets)', () => {
  it('the loss covers exactly the decoder-selected tokens and equals the float64 re-computation', async () => {
    const dec = parseMaeDecoderConfig({ width: 32, depth: 1, heads: 2, target: 'tokens', vocabSize: 7 });
    const we = initVitWeights(encoder, 21, { std: 0.2 });
    const wd = initMaeDecoderWeights(encoder, dec, 22, { std: 0.2 });
    const grid = { t: 2, h: 2, w: 2 };
    const enc = encoderMaskBatch(2, grid, { kind: 'tube', ratio: 0.5 }, 3);
    const rng = new Rng(4);
    const priority = Float32Array.from({ length: 16 }, () => rng.uniform());
    const decm = decoderMaskBatch(enc, { kind: 'adaptive', budget: { count: 2 }, priority }, 5);
    expect(decm.count).toBe(2);
    const ids = Int32Array.from({ length: 16 }, () => rng.int(7));
    const clips = randomClips([2, 4, 16, 16, 3], 23);
    const masks = { visible: enc.keep, decode: decm.indices };
    const mae = MaeModel.create(encoder, dec, { encoder: we, decoder: wd });
    const loss = tf.tidy(() => mae.loss(clips, masks, { tokenIds: ids }));
    const got = (await loss.data())[0];
    loss.dispose();
    // changing the id of a token outside the decoder mask leaves the loss unchanged
    const other = ids.slice();
    const outside = enc.keep[0];
    other[outside] = (other[outside] + 1) % 7;
    const same = tf.tidy(() => mae.loss(clips, masks, { tokenIds: other }));
    expect((await same.data())[0]).toBe(got);
    same.dispose();
    mae.dispose();
    const want = referenceMaeLoss(encoder, dec, merged(we, wd), clips, enc.keep, decm.indices, ids);
    expect(Math.abs(got - want) / want).toBeLessThan(1e-5);
  });
});

describe('MAE training', () => {
  it('AdamW steps on one batch lower the loss and leak no tensors', async () => {
    const dec = parseMaeDecoderConfig({ width: 32, depth: 1, heads: 2 });
    const mae = MaeModel.create({ ...encoder, dropPath: 0.1 }, dec, { encoder: 1, decoder: 2 });
    const params = mae.allParams();
    const opt = new AdamW(params, { lr: 3e-3, weightDecay: 0.05 });
    const clips = randomClips([2, 4, 16, 16, 3], 12);
    const m = masks(2);
    const losses: number[] = [];
    let tensors = 0;
    for (let step = 0; step < 12; step++) {
      const { loss, grads } = computeGradients(params, () =>
        mae.loss(clips, m, { training: true, seed: step }),
      );
      expect(grads.has('pos_embed')).toBe(true);
      expect(grads.has('decoder.mask_token')).toBe(true);
      opt.step(grads);
      losses.push((await loss.data())[0]);
      loss.dispose();
      disposeGrads(grads);
      if (step === 1) tensors = tf.memory().numTensors;
    }
    expect(tf.memory().numTensors).toBe(tensors);
    expect(losses[losses.length - 1]).toBeLessThan(0.8 * losses[0]);
    mae.dispose();
  });

  it('rejects bad decoder configs and out-of-range indices', () => {
    expect(() => parseMaeDecoderConfig({ width: 30, depth: 1, heads: 4 })).toThrow(ConfigError);
    const mae = MaeModel.create(encoder, { width: 32, depth: 1, heads: 2 });
    const clips = randomClips([1, 4, 16, 16, 3], 1);
    expect(() => mae.loss(clips, { visible: Int32Array.of(0, 8), decode: Int32Array.of(1) })).toThrow(
      /outside/,
    );
    mae.dispose();
  });
});
