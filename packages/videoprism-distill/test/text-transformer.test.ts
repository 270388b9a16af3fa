import { CheckpointError, ConfigError, ShapeError } from '@vfmkit/core';
import { AdamW, computeGradients, disposeGrads, initBackend, tf } from '@vfmkit/nn';
import { beforeAll, describe, expect, it } from 'vitest';
import { UnknownTokenError } from '../src/errors';
import { parseTextEncoderConfig, type TextEncoderConfig, textWeightSpecs } from '../src/index';
import { TextTransformer } from '../src/tfjs/index';
import { randomWeights, textEncoder64, to64 } from './text-reference';

beforeAll(async () => {
  await initBackend({ backend: 'wasm', log: null });
});

const base = parseTextEncoderConfig({
  vocabSize: 11,
  maxLength: 6,
  width: 8,
  depth: 2,
  heads: 2,
  mlpRatio: 2,
  embedDim: 5,
});

// Three captions of 6, 4 and 2 real tokens; padding id 0 (and garbage ids under the mask in row 2).
const IDS = [
  [2, 5, 7, 9, 4, 3],
  [2, 6, 6, 3, 0, 0],
  [2, 3, 10, 8, 1, 9],
];
const MASK = [
  [1, 1, 1, 1, 1, 1],
  [1, 1, 1, 1, 0, 0],
  [1, 1, 0, 0, 0, 0],
];

function run(model: TextTransformer, ids: number[][], mask: number[][]): number[][] {
  const i = tf.tensor2d(ids, undefined, 'int32');
  const m = tf.tensor2d(mask);
  const out = model.forward(i, m);
  const rows = out.arraySync();
  tf.dispose([i, m, out]);
  return rows;
}

function maxAbsDiff(a: number[][], b: number[][]): number {
  let e = 0;
  for (let i = 0; i < a.length; i++)
    for (let j = 0; j < a[i].length; j++) e = Math.max(e, Math.abs(a[i][j] - b[i][j]));
  return e;
}

describe('TextTransformer', () => {
  for (const pooling of ['mean', 'first'] as const) {
    it(`matches a float64 re-computation (${pooling} pooling)`, () => {
      const config: TextEncoderConfig = { ...base, pooling };
      const weights = randomWeights(textWeightSpecs(config), 3);
      const model = TextTransformer.create(config, weights);
      const ours = run(model, IDS, MASK);
      const ref = IDS.map((ids, r) => textEncoder64(to64(weights), config, ids, MASK[r]));
      expect(ours[0]).toHaveLength(5);
      expect(maxAbsDiff(ours, ref)).toBeLessThan(2e-5);
      // The outputs are not trivially small.
      expect(Math.max(...ref.flat().map(Math.abs))).toBeGreaterThan(0.1);
      model.dispose();
    });
  }

  it('ignores padded positions: their ids and the padded length do not change the output', () => {
    const model = TextTransformer.create(base, randomWeights(textWeightSpecs(base), 4));
    const a = run(model, [[2, 6, 6, 3, 0, 0]], [[1, 1, 1, 1, 0, 0]]);
    const b = run(model, [[2, 6, 6, 3, 9, 1]], [[1, 1, 1, 1, 0, 0]]);
    const c = run(model, [[2, 6, 6, 3]], [[1, 1, 1, 1]]);
    expect(maxAbsDiff(a, b)).toBeLessThan(1e-6);
    expect(maxAbsDiff(a, c)).toBeLessThan(1e-5);
    // A real token does change it (the check above can fail).
    const d = run(model, [[2, 6, 6, 3, 9, 1]], [[1, 1, 1, 1, 1, 0]]);
    expect(maxAbsDiff(a, d)).toBeGreaterThan(1e-3);
    model.dispose();
  });

  it('back-propagates into the embedding table on wasm (finite differences of the float64 reference)', () => {
    const weights = randomWeights(textWeightSpecs(base), 5);
    const model = TextTransformer.create(base, weights);
    const r = [
      [0.3, -1.2, 0.5, 0.9, -0.4],
      [-0.7, 0.2, 1.1, -0.3, 0.6],
      [0.8, 0.1, -0.5, 0.4, -1.0],
    ];
    const rt = tf.tensor2d(r);
    const ids = tf.tensor2d(IDS, undefined, 'int32');
    const mask = tf.tensor2d(MASK);
    const { loss, grads } = computeGradients(model.params, () =>
      tf.sum(tf.mul(model.forward(ids, mask), rt)),
    );
    const g = grads.get('token_embed.weight') as tf.Tensor;
    const gv = g.dataSync();
    const w64 = to64(weights);
    const lossRef = (w: typeof w64) =>
      IDS.reduce(
        (s, row, b) => s + textEncoder64(w, base, row, MASK[b]).reduce((t, v, j) => t + v * r[b][j], 0),
        0,
      );
    expect(loss.dataSync()[0]).toBeCloseTo(lossRef(w64), 4);
    const table = w64.get('token_embed.weight') as { data: Float64Array };
    // id 6 appears twice in row 1, id 7 once, id 10 only under the mask, id 0 only as padding.
    for (const [id, j] of [
      [6, 1],
      [7, 4],
      [2, 0],
    ]) {
      const k = id * base.width + j;
      const h = 1e-5;
      const keep = table.data[k];
      table.data[k] = keep + h;
      const up = lossRef(w64);
      table.data[k] = keep - h;
      const down = lossRef(w64);
      table.data[k] = keep;
      const numeric = (up - down) / (2 * h);
      expect(Math.abs(numeric)).toBeGreaterThan(1e-3);
      expect(Math.abs(gv[k] - numeric)).toBeLessThan(1e-3 * Math.max(1, Math.abs(numeric)));
    }
    for (const id of [10, 0]) for (let j = 0; j < base.width; j++) expect(gv[id * base.width + j]).toBe(0);
    // Every parameter receives a finite gradient.
    expect(grads.size).toBe(textWeightSpecs(base).length);
    for (const t of grads.values()) expect(t.dataSync().every(Number.isFinite)).toBe(true);
    disposeGrads(grads);
    tf.dispose([loss, rt, ids, mask]);
    model.dispose();
  });

  it('trains with AdamW on wasm without leaking tensors', () => {
    const model = TextTransformer.create(base, 1);
    const opt = new AdamW(model.params, { lr: 1e-2, weightDecay: 0 });
    const ids = tf.tensor2d(IDS, undefined, 'int32');
    const mask = tf.tensor2d(MASK);
    const target = tf.tensor2d([
      [1, 0, 0, 0, 0],
      [0, 1, 0, 0, 0],
      [0, 0, 1, 0, 0],
    ]);
    const losses: number[] = [];
    let tensors = 0;
    for (let step = 0; step < 25; step++) {
      const { loss, grads } = computeGradients(model.params, () =>
        tf.mean(tf.square(tf.sub(model.forward(ids, mask), target))),
      );
      opt.step(grads);
      losses.push(loss.dataSync()[0]);
      disposeGrads(grads);
      loss.dispose();
      if (step === 2) tensors = tf.memory().numTensors;
    }
    expect(tf.memory().numTensors).toBe(tensors);
    expect(losses[24]).toBeLessThan(losses[0] * 0.3);
    tf.dispose([ids, mask, target]);
    model.dispose();
  });

  it('throws UnknownTokenError for an id outside the vocabulary', () => {
    const model = TextTransformer.create(base, 2);
    expect(() => run(model, [[2, 11, 3]], [[1, 1, 1]])).toThrow(UnknownTokenError);
    try {
      run(model, [[2, -1, 3]], [[1, 1, 1]]);
      expect.unreachable();
    } catch (e) {
      expect((e as UnknownTokenError).code).toBe('UNKNOWN_TOKEN');
      expect((e as UnknownTokenError).details).toEqual({ id: -1, vocabSize: 11 });
    }
    model.dispose();
  });

  it('rejects bad shapes, configs and weights with typed errors', () => {
    const model = TextTransformer.create(base, 2);
    expect(() => run(model, [[2, 3, 4, 5, 6, 7, 8]], [[1, 1, 1, 1, 1, 1, 1]])).toThrow(ShapeError);
    expect(() => run(model, [[2, 3]], [[1, 1, 1]])).toThrow(ShapeError);
    const f = tf.tensor2d([[1, 2]]);
    const m = tf.tensor2d([[1, 1]]);
    expect(() => model.forward(f, m)).toThrow(ShapeError);
    tf.dispose([f, m]);
    expect(() => TextTransformer.create({ ...base, heads: 3 })).toThrow(ConfigError);
    const w = model.weights();
    w.delete('blocks.1.mlp.fc2.bias');
    expect(() => TextTransformer.create(base, w)).toThrow(CheckpointError);
    model.dispose();
  });

  it('round-trips its weights with stable names', () => {
    const model = TextTransformer.create(base, 9);
    const w = model.weights();
    expect([...w.keys()]).toEqual(textWeightSpecs(base).map((s) => s.name));
    const again = TextTransformer.create(base, w);
    expect(maxAbsDiff(run(model, IDS, MASK), run(again, IDS, MASK))).toBe(0);
    model.dispose();
    again.dispose();
  });
});
