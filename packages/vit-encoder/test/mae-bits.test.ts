import { ConfigError } from '@vfmkit/core';
import { AdamW, computeGradients, disposeGrads, initBackend, tf } from '@vfmkit/nn';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeVariant, parseMaeDecoderConfig } from '../src/index';
import { MaeModel } from '../src/tfjs/index';
import { randomClips } from './helpers';

beforeAll(async () => {
  await initBackend();
});

/** LVMAE with an LFQ tokenizer: one logit per bit of the token id, binary cross-entropy per bit. */
describe('MAE bit targets (LFQ ids)', () => {
  const encoder = decodeVariant('nano/8', { frames: 4, imageSize: [16, 16] }); // 2 x 2 x 2 = 8 tokens
  const dec = parseMaeDecoderConfig({ width: 32, depth: 1, heads: 2, target: 'bits', bits: 5 });
  const masks = { visible: new Int32Array([0, 3, 5, 6]), decode: new Int32Array([1, 4, 2, 7]) }; // B = 2
  const ids = new Int32Array([0, 31, 5, 18, 9, 1, 30, 17, 3, 12, 21, 7, 0, 28, 11, 19]);

  it('equals a float64 binary cross-entropy per bit (bit i = (id >> i) & 1) over the decoded tokens', () => {
    const mae = MaeModel.create(encoder, dec, { encoder: 1, decoder: 2 });
    expect(mae.targetDim).toBe(5);
    const clips = randomClips([2, 4, 16, 16, 3], 3);
    const logits = tf.tidy(() => Array.from(mae.predict(clips, masks).dataSync()));
    expect(logits).toHaveLength(2 * 2 * 5);
    let sum = 0;
    for (let i = 0; i < 4; i++) {
      const id = ids[Math.floor(i / 2) * 8 + masks.decode[i]];
      for (let j = 0; j < 5; j++) {
        const x = logits[i * 5 + j];
        const y = Math.floor(id / 2 ** j) % 2;
        const p = 1 / (1 + Math.exp(-x));
        sum -= y * Math.log(p) + (1 - y) * Math.log(1 - p);
      }
    }
    const want = sum / 20;
    const got = tf.tidy(() => mae.loss(clips, masks, { tokenIds: ids }).dataSync()[0]);
    expect(Math.abs(got - want)).toBeLessThan(1e-5);
    expect(() => tf.tidy(() => mae.loss(clips, masks, { tokenIds: ids.map((v) => v + 32) }))).toThrow(
      /outside the vocabulary \[0, 32\)/,
    );
    mae.dispose();
  });

  it('learns: 30 AdamW steps on a fixed batch cut the loss below a third', () => {
    const mae = MaeModel.create(encoder, dec, { encoder: 4, decoder: 5 });
    const params = mae.allParams();
    const opt = new AdamW(params, { lr: 1e-2, weightDecay: 0 });
    const clips = randomClips([2, 4, 16, 16, 3], 6);
    const losses: number[] = [];
    for (let s = 0; s < 30; s++) {
      const { loss, grads } = computeGradients(params, () => mae.loss(clips, masks, { tokenIds: ids }));
      losses.push(loss.dataSync()[0]);
      loss.dispose();
      opt.step(grads);
      disposeGrads(grads);
    }
    expect(losses[0]).toBeGreaterThan(0.5);
    expect(losses[29]).toBeLessThan(losses[0] / 3);
    mae.dispose();
    opt.dispose();
  });

  it('needs bits', () => {
    expect(() => parseMaeDecoderConfig({ width: 32, depth: 1, heads: 2, target: 'bits' })).toThrow(
      ConfigError,
    );
  });
});
