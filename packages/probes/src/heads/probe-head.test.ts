import { ConfigError, Rng, ShapeError } from '@vfmkit/core';
import { topKAccuracy } from '@vfmkit/metrics';
import { createParams, crossAttention, disposeParams, initBackend, initCrossAttention, tf } from '@vfmkit/nn';
import { attentivePoolerCost } from '@vfmkit/videoglue-score';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Features, featureRows, pickRows } from '../cache/feature-rows';
import { pooledCrossAttention } from './attention';
import { ProbeHead } from './probe-head';
import { predictProbe, trainProbe } from './train';

beforeAll(async () => {
  await initBackend({ backend: 'wasm', log: null });
});

/**
 * A 4-class task over token sets: one random token of each clip carries its class prototype, the rest
 * is noise; with `layers`, only the last layer carries the signal.
 */
function tokenTask(B: number, N: number, D: number, seed: number, layers = 0) {
  const rng = new Rng(seed);
  const protoRng = new Rng(1234); // the same prototypes for train and test sets
  const protos = Array.from({ length: 4 }, () => Array.from({ length: D }, () => protoRng.normal() * 1.5));
  const L = Math.max(1, layers);
  const data = new Float32Array(B * L * N * D);
  const labels = new Int32Array(B);
  for (let b = 0; b < B; b++) {
    labels[b] = rng.int(4);
    for (let i = 0; i < L * N * D; i++) data[b * L * N * D + i] = rng.normal() * 0.7;
    const j = rng.int(N);
    const base = b * L * N * D + (L - 1) * N * D + j * D;
    for (let d = 0; d < D; d++) data[base + d] += protos[labels[b]][d];
  }
  return { data, labels, shape: layers ? [B, L, N, D] : [B, N, D] };
}

describe('pooledCrossAttention', () => {
  it("matches @vfmkit/nn's crossAttention on the same weights", () => {
    const params = createParams();
    initCrossAttention(params, 'a', 12, 3);
    const x = tf.randomNormal([3, 2, 12], 0, 1, 'float32', 1);
    const ctx = tf.randomNormal([3, 5, 12], 0, 1, 'float32', 2);
    const ours = pooledCrossAttention(params, 'a', x, ctx, 3);
    const theirs = crossAttention(params, 'a', x, ctx, { heads: 3 });
    expect(ours.shape).toEqual([3, 2, 12]);
    const diff = tf.max(tf.abs(tf.sub(ours, theirs))).dataSync()[0];
    expect(diff).toBeLessThan(1e-5);
    tf.dispose([x, ctx, ours, theirs]);
    disposeParams(params);
  });
});

describe('ProbeHead', () => {
  it('counts exactly the parameters that the VideoGLUE cost model predicts', () => {
    const head = ProbeHead.create(
      { kind: 'attentive', inputWidth: 32, tokens: 12, outputs: 5, queries: 2 },
      1,
    );
    const model = attentivePoolerCost({ inputWidth: 32, tokens: 12, queries: 2, numClasses: 5 });
    expect(head.trainableParams).toBe(model.params);
    expect(head.cost(10).trainableGflops).toBeCloseTo(model.gflops, 12);
    expect(head.cost(10).inferenceGflops).toBeCloseTo(10 + model.gflops, 12);
    head.dispose();
    const mlap = ProbeHead.create(
      { kind: 'mlap', inputWidth: 16, tokens: 8, outputs: 3, layers: 3, positional: true },
      2,
    );
    expect(mlap.trainableParams).toBe(mlap.cost().trainableParams);
    mlap.dispose();
    const lin = ProbeHead.create(
      { kind: 'linear', inputWidth: 16, tokens: 8, outputs: 3, conditionWidth: 0 },
      3,
    );
    expect(lin.trainableParams).toBe(lin.cost().trainableParams);
    expect(lin.trainableParams).toBe(2 * 16 + 16 * 3 + 3);
    lin.dispose();
  });

  it('rejects bad configs and shapes', () => {
    expect(() =>
      ProbeHead.create({ kind: 'attentive', inputWidth: 30, tokens: 4, outputs: 2, heads: 4 }, 0),
    ).toThrow(ConfigError);
    expect(() =>
      ProbeHead.create({ kind: 'pooled' as 'linear', inputWidth: 8, tokens: 4, outputs: 2 }, 0),
    ).toThrow(/kind/);
    const head = ProbeHead.create({ kind: 'attentive', inputWidth: 8, tokens: 4, outputs: 2 }, 0);
    const x = tf.zeros([2, 5, 8]);
    expect(() => head.forward(x)).toThrow(ShapeError);
    x.dispose();
    head.dispose();
  });

  it("linear pool 'time' reads out the mean layer-normed token of each time step (float64 re-computation)", () => {
    const [B, Tt, S, D, O] = [2, 3, 4, 8, 5];
    const rng = new Rng(7);
    const x = Float32Array.from({ length: B * Tt * S * D }, () => rng.normal() * 2 + 0.5);
    const head = ProbeHead.create(
      { kind: 'linear', pool: 'time', timeSteps: Tt, inputWidth: D, tokens: Tt * S, outputs: O },
      3,
    );
    expect(head.outputRows).toBe(Tt);
    const y = predictProbe(head, { data: x, shape: [B, Tt * S, D] });
    expect(y.shape).toEqual([B, Tt, O]);
    const w = (head.params.get('head.weight') as tf.Tensor).dataSync(); // [O, D]
    const bias = (head.params.get('head.bias') as tf.Tensor).dataSync();
    for (let b = 0; b < B; b++)
      for (let t = 0; t < Tt; t++) {
        const pooled = new Float64Array(D);
        for (let s = 0; s < S; s++) {
          const at = ((b * Tt + t) * S + s) * D;
          let mean = 0;
          for (let d = 0; d < D; d++) mean += x[at + d] / D;
          let v = 0;
          for (let d = 0; d < D; d++) v += (x[at + d] - mean) ** 2 / D;
          for (let d = 0; d < D; d++) pooled[d] += (x[at + d] - mean) / Math.sqrt(v + 1e-6) / S;
        }
        for (let o = 0; o < O; o++) {
          let want = bias[o];
          for (let d = 0; d < D; d++) want += w[o * D + d] * pooled[d];
          expect(y.data[(b * Tt + t) * O + o]).toBeCloseTo(want, 4);
        }
      }
    expect(() =>
      ProbeHead.create(
        { kind: 'linear', pool: 'time', timeSteps: 5, inputWidth: D, tokens: 12, outputs: O },
        0,
      ),
    ).toThrow(/timeSteps/);
    head.dispose();
  });

  for (const kind of ['linear', 'attentive', 'mlap'] as const) {
    it(`${kind} head learns a 4-class token task above chance, without leaking tensors`, () => {
      const [N, D] = [8, 16];
      const layers = kind === 'mlap' ? 2 : 0;
      const train = tokenTask(256, N, D, 10, layers);
      const test = tokenTask(128, N, D, 20, layers);
      const head = ProbeHead.create(
        { kind, inputWidth: D, tokens: N, outputs: 4, heads: 2, layers: Math.max(layers, 1) },
        5,
      );
      const untrained = predictProbe(head, { data: test.data, shape: test.shape });
      const before = topKAccuracy(untrained.data, [128, 4], test.labels);
      const tensors = tf.memory().numTensors;
      const r = trainProbe(
        head,
        { data: train.data, shape: train.shape },
        { data: train.labels, shape: [256, 1] },
        { loss: 'softmax-cross-entropy', steps: 120, batchSize: 32, lr: kind === 'linear' ? 3e-2 : 5e-3 },
        7,
      );
      expect(tf.memory().numTensors).toBe(tensors);
      const pred = predictProbe(head, { data: test.data, shape: test.shape });
      const acc = topKAccuracy(pred.data, [128, 4], test.labels);
      expect(r.losses[r.losses.length - 1]).toBeLessThan(r.losses[0]);
      // chance is 0.25; mean pooling dilutes the one informative token 8x, so the linear probe is weaker
      const level = kind === 'linear' ? 0.45 : 0.85;
      expect(acc).toBeGreaterThan(level);
      expect(acc).toBeGreaterThan(before + 0.2);
      head.dispose();
    });
  }

  it('a conditioned attentive head with positional encoding reads out the token a query points at', () => {
    // each of N tokens carries a random class prototype; the condition one-hot names the token to report
    const [B, N, D] = [384, 4, 16];
    const rng = new Rng(3);
    const protoRng = new Rng(99);
    const protos = Array.from({ length: 3 }, () => Array.from({ length: D }, () => protoRng.normal() * 1.5));
    const make = (n: number) => {
      const x = new Float32Array(n * N * D);
      const cond = new Float32Array(n * N);
      const y = new Int32Array(n);
      for (let b = 0; b < n; b++) {
        const cls = Array.from({ length: N }, () => rng.int(3));
        for (let j = 0; j < N; j++)
          for (let d = 0; d < D; d++) x[(b * N + j) * D + d] = protos[cls[j]][d] + rng.normal() * 0.5;
        const pick = rng.int(N);
        cond[b * N + pick] = 1;
        y[b] = cls[pick];
      }
      return { x, cond, y };
    };
    const tr = make(B);
    const te = make(128);
    const head = ProbeHead.create(
      {
        kind: 'attentive',
        inputWidth: D,
        tokens: N,
        outputs: 3,
        heads: 2,
        positional: true,
        conditionWidth: N,
      },
      4,
    );
    trainProbe(
      head,
      { data: tr.x, shape: [B, N, D] },
      { data: tr.y, shape: [B, 1] },
      {
        loss: 'softmax-cross-entropy',
        steps: 300,
        batchSize: 32,
        lr: 5e-3,
        condition: { data: tr.cond, shape: [B, 1, N] },
      },
      8,
    );
    const pred = predictProbe(
      head,
      { data: te.x, shape: [128, N, D] },
      { condition: { data: te.cond, shape: [128, 1, N] } },
    );
    expect(topKAccuracy(pred.data, [128, 3], te.y)).toBeGreaterThan(0.75); // chance 1/3
    head.dispose();
  });

  it('a per-token linear head regresses dense targets with a masked L2 loss', () => {
    const [B, N, D] = [128, 6, 8];
    const rng = new Rng(4);
    const w = Array.from({ length: D }, () => rng.normal());
    const x = Float32Array.from({ length: B * N * D }, () => rng.normal());
    const y = new Float32Array(B * N);
    const mask = new Float32Array(B * N);
    for (let i = 0; i < B * N; i++) {
      // the head layer-normalises features first: make the target linear in LN(x) (float64 here)
      let mean = 0;
      for (let d = 0; d < D; d++) mean += x[i * D + d] / D;
      let v = 0;
      for (let d = 0; d < D; d++) v += (x[i * D + d] - mean) ** 2 / D;
      for (let d = 0; d < D; d++) y[i] += (w[d] * (x[i * D + d] - mean)) / Math.sqrt(v + 1e-6);
      mask[i] = rng.uniform() < 0.7 ? 1 : 0;
      if (!mask[i]) y[i] = 1e3; // invalid entries carry garbage the mask must hide
    }
    const head = ProbeHead.create({ kind: 'linear', pool: 'none', inputWidth: D, tokens: N, outputs: 1 }, 1);
    const r = trainProbe(
      head,
      { data: x, shape: [B, N, D] },
      { data: y, shape: [B, N, 1] },
      { loss: 'l2', steps: 300, lr: 3e-2, weights: { data: mask, shape: [B, N, 1] } },
      2,
    );
    expect(r.losses[r.losses.length - 1]).toBeLessThan(0.05 * r.losses[0]);
    head.dispose();
  });

  it('trains and predicts the same from rows read on demand as from the array in memory', () => {
    const [B, N, D] = [40, 4, 6];
    const tr = tokenTask(B, N, D, 21);
    const te = tokenTask(12, N, D, 22);
    const config = { kind: 'attentive', inputWidth: D, tokens: N, outputs: 4, heads: 2 } as const;
    const run = (x: Features, test: Features) => {
      const head = ProbeHead.create(config, 5);
      try {
        const opts = { loss: 'softmax-cross-entropy', steps: 12, batchSize: 8 } as const;
        const fit = trainProbe(head, x, { data: tr.labels, shape: [B, 1] }, opts, 6);
        return { losses: fit.losses, pred: predictProbe(head, test, { batchSize: 5 }).data };
      } finally {
        head.dispose();
      }
    };
    const inMemory = run({ data: tr.data, shape: [B, N, D] }, { data: te.data, shape: [12, N, D] });
    // the training rows inside a larger set in reverse order, picked back out: row k is row B - 1 - k
    const reversed = new Float32Array(B * N * D);
    for (let b = 0; b < B; b++)
      reversed.set(tr.data.subarray(b * N * D, (b + 1) * N * D), (B - 1 - b) * N * D);
    const onDemand = run(
      pickRows(
        { data: reversed, shape: [B, N, D] },
        Array.from({ length: B }, (_, k) => B - 1 - k),
      ),
      featureRows({ data: te.data, shape: [12, N, D] }),
    );
    expect(onDemand.losses).toEqual(inMemory.losses);
    expect(onDemand.pred).toEqual(inMemory.pred);
  });
});
