import { CheckpointError, Rng, ShapeError } from '@vfmkit/core';
import { AdamW, computeGradients, disposeGrads, initBackend, tf, trainStep } from '@vfmkit/nn';
import { beforeAll, describe, expect, it } from 'vitest';
import { ClipSizeError, codebookSize, fsqCodesToIndices, lfqCodesToIndices } from '../src/index';
import {
  buildTokenizerModel,
  evaluateTokenizer,
  loadTokenizer,
  loadTokenizerWeights,
  serializeTokenizer,
  TokenizerModel,
  tokenizerBatch,
} from '../src/tfjs/index';

beforeAll(async () => {
  await initBackend({ backend: 'wasm', log: null });
});

const small = {
  frames: 4,
  imageSize: [8, 8] as [number, number],
  downsample: [2, 4, 4] as [number, number, number],
  widths: [4, 8, 8],
  resBlocks: [0, 1, 0],
  scorer: { width: 4, layers: 1 },
  topk: { samples: 4, sigma: 0.5 },
};

function clips(b: number, t: number, h: number, w: number, seed: number): tf.Tensor {
  const rng = new Rng(seed);
  return tf.tensor(
    Float32Array.from({ length: b * t * h * w * 3 }, () => rng.uniform()),
    [b, t, h, w, 3],
  );
}

describe('TokenizerModel (tfjs)', () => {
  it("FSQ: latents [B, T', H', W', d], ids [B, N] equal to the root arithmetic, priorities [B, N]", () => {
    const model = new TokenizerModel({ ...small, quantizer: { kind: 'fsq', levels: [8, 5, 5] } }, 1);
    const x = clips(2, 4, 8, 8, 1);
    const { latents, codes, priorities } = model.forward(x);
    expect(latents.shape).toEqual([2, 2, 2, 2, 3]);
    expect(priorities.shape).toEqual([2, 8]);
    const ids = model.ids(codes);
    expect(ids.dtype).toBe('int32');
    expect([...ids.dataSync()]).toEqual([...fsqCodesToIndices(codes.dataSync(), [8, 5, 5])]);
    const r = model.reconstruct(x);
    expect(r.full.shape).toEqual([2, 4, 8, 8, 3]);
    expect([...r.mask.sum(1).dataSync()]).toEqual([2, 2]); // budget 0.25 of 8 tokens
    tf.dispose([x, latents, codes, priorities, ids, r.full, r.budget, r.priorities, r.ids, r.mask]);
    model.dispose();
  });

  it('LFQ: ids from sign bits; the loss has the entropy + commitment terms and every parameter gets a gradient', () => {
    const model = new TokenizerModel({ ...small, quantizer: { kind: 'lfq', bits: 4 } }, 2);
    expect(codebookSize(model.config)).toBe(16);
    const x = clips(2, 4, 8, 8, 2);
    const codes = tf.tidy(() => model.forward(x).codes);
    expect([...model.ids(codes).dataSync()]).toEqual([...lfqCodesToIndices(codes.dataSync(), 4)]);
    const step = () => computeGradients(model.params, () => model.losses(x).total);
    const warm = step(); // first calls create tfjs' own cached constants
    warm.loss.dispose();
    disposeGrads(warm.grads);
    const before = tf.memory().numTensors;
    const { loss, grads } = computeGradients(model.params, () => model.losses(x).total, {
      zerosForUnused: true,
    });
    expect(Number.isFinite(loss.dataSync()[0])).toBe(true);
    const dead = [...grads]
      .filter(([, g]) => tf.tidy(() => tf.max(tf.abs(g)).dataSync()[0]) === 0)
      .map(([n]) => n);
    expect(dead).toEqual([]);
    const aux = tf.tidy(() => model.losses(x).aux.dataSync()[0]);
    expect(aux).not.toBe(0);
    loss.dispose();
    disposeGrads(grads);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, codes]);
    model.dispose();
  });

  it('typed errors: wrong channels, a clip not divisible by the downsampling, a missing batch key', () => {
    const model = new TokenizerModel(small, 3);
    const bad = tf.zeros([1, 4, 8, 8, 1]);
    expect(() => model.encode(bad)).toThrow(ShapeError);
    const odd = tf.zeros([1, 3, 8, 8, 3]);
    expect(() => model.encode(odd)).toThrow(ClipSizeError);
    expect(() => model.loss({})).toThrow(ShapeError);
    tf.dispose([bad, odd]);
    model.dispose();
  });

  it('checkpoint round trip restores every weight; another config is a CheckpointError', async () => {
    const a = new TokenizerModel(small, 4);
    const bytes = await serializeTokenizer(a);
    const b = await loadTokenizer(bytes);
    expect(b.config).toEqual(a.config);
    for (const [name, v] of a.params)
      expect([...(b.params.get(name) as tf.Variable).dataSync()]).toEqual([...v.dataSync()]);
    const other = new TokenizerModel({ ...small, widths: [4, 8, 16] }, 5);
    await expect(loadTokenizerWeights(other, bytes)).rejects.toThrow(CheckpointError);
    await expect(loadTokenizerWeights(other, bytes)).rejects.toThrow(/widths/);
    const c = new TokenizerModel(small, 6);
    await loadTokenizerWeights(c, bytes);
    expect([...(c.params.get('decoder.out.weight') as tf.Variable).dataSync()]).toEqual([
      ...(a.params.get('decoder.out.weight') as tf.Variable).dataSync(),
    ]);
    await expect(loadTokenizer(new Uint8Array([1, 2, 3]))).rejects.toThrow();
    for (const m of [a, b, other, c]) m.dispose();
  });

  it('plugs into @vfmkit/nn trainStep through tokenizerBatch; evaluateTokenizer matches a direct computation', async () => {
    const model = await buildTokenizerModel({ config: small, seed: 7 });
    const rng = new Rng(8);
    const clipList = Array.from({ length: 3 }, () => ({
      data: Float32Array.from({ length: 4 * 8 * 8 * 3 }, () => rng.uniform()),
      shape: [4, 8, 8, 3] as const,
    }));
    const batch = tokenizerBatch(clipList);
    expect(batch.clips.shape).toEqual([3, 4, 8, 8, 3]);
    const { loss } = trainStep(model, batch, new AdamW(model.params, { lr: 1e-3 }));
    expect(Number.isFinite(loss)).toBe(true);
    const ev = evaluateTokenizer(model, clipList, 2);
    const x = tf.tensor(batch.clips.data, [...batch.clips.shape]);
    const r = model.reconstruct(x);
    const full = tf.tidy(() => tf.mean(tf.square(tf.sub(tf.clipByValue(r.full, 0, 1), x))).dataSync()[0]);
    expect(ev.mseFull).toBeCloseTo(full, 6);
    expect(ev.psnrFull).toBeCloseTo(-10 * Math.log10(full), 4);
    expect(ev.codebook.tokens).toBe(3 * 8);
    tf.dispose([x, ...Object.values(r)]);
    model.dispose();
  });
});
