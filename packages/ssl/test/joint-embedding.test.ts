import { type Clip, ConfigError, Rng, ShapeError } from '@vfmkit/core';
import { AdamW, computeGradients, DataParallel, disposeGrads, initBackend, tf, trainStep } from '@vfmkit/nn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  augmentPolicy,
  collapseReport,
  SSL_METHODS,
  SslStatsError,
  sslMethod,
  viewBatch,
} from '../src/index';
import {
  buildModel,
  createJointEmbedding,
  head,
  type JointEmbeddingModel,
  type JointEmbeddingSpec,
  SSL_STATS,
} from '../src/tfjs/index';

beforeAll(async () => {
  await initBackend({ backend: 'wasm', log: null });
});

/** A nano ViT on 4 x 16 x 16 clips: 8 tokens of width 32, one block. */
const encoder = {
  width: 32,
  depth: 1,
  heads: 2,
  mlpDim: 64,
  tubelet: [2, 8, 8] as [number, number, number],
  frames: 4,
  imageSize: [16, 16] as [number, number],
};
const small = { projector: { hidden: 32, out: 16, layers: 2 } };
const predictor = { predictor: { hidden: 32, out: 16, layers: 2 } };

/** Distinct synthetic clips: a moving colour gradient per clip. */
function clips(n: number, frames = 6): Clip[] {
  return Array.from({ length: n }, (_, c) => {
    const data = new Float32Array(frames * 20 * 20 * 3);
    for (let t = 0; t < frames; t++)
      for (let y = 0; y < 20; y++)
        for (let x = 0; x < 20; x++) {
          const o = ((t * 20 + y) * 20 + x) * 3;
          data[o] = 0.5 + 0.5 * Math.sin((x + t * (c + 1)) / (2 + c));
          data[o + 1] = 0.5 + 0.5 * Math.cos((y * (c + 1)) / 5);
          data[o + 2] = (c % 3) / 3;
        }
    return { data, shape: [frames, 20, 20, 3] };
  });
}

const batch = viewBatch(clips(4), augmentPolicy('weak', 16), { frames: 4, size: 16, count: 2 }, new Rng(1));
let tensors: Record<string, tf.Tensor>;
beforeAll(() => {
  tensors = { views: tf.tensor(batch.views.data, batch.views.shape) };
});
afterAll(() => tensors.views.dispose());

/** One step as nn's trainStep runs it: loss and gradients with recorded stats, AdamW, then afterStep. */
function step(model: JointEmbeddingModel, opt: AdamW, s: number, input = tensors): number {
  const recorded = new Map<string, Float32Array>();
  const context = {
    step: s,
    worker: 0,
    record: (n: string, v: tf.Tensor) => recorded.set(n, Float32Array.from(v.dataSync())),
  };
  const { loss, grads } = computeGradients(model.params, () => model.loss(input, context));
  const value = loss.dataSync()[0];
  loss.dispose();
  opt.step(grads);
  disposeGrads(grads);
  const stats = new Map([...recorded].map(([n, d]) => [n, tf.tensor(d, [...(model.stats[n] ?? [])])]));
  model.afterStep({ step: s + 1, stats });
  for (const t of stats.values()) t.dispose();
  return value;
}

const cases: [string, JointEmbeddingSpec['method']][] = [
  ['simclr', { ...SSL_METHODS.simclr, ...small, temperature: 0.2 }],
  ['mocov3', { ...SSL_METHODS.mocov3, ...small, ...predictor }],
  ['byol', { ...SSL_METHODS.byol, ...small, ...predictor }],
  [
    'byol, stop-gradient target (SimSiam)',
    { ...SSL_METHODS.byol, ...small, ...predictor, target: 'stop-gradient' },
  ],
  ['dino', { ...SSL_METHODS.dino, projector: { hidden: 32, out: 32, layers: 2 } }],
  ['vicreg', { ...SSL_METHODS.vicreg, ...small }],
];

describe('each method trains a nano model on a fixed batch', () => {
  for (const [name, method] of cases)
    it(`${name} lowers its loss`, () => {
      const model = createJointEmbedding({ encoder, method, views: 2, seed: 3, steps: 20 });
      const opt = new AdamW(model.params, { lr: 2e-3, weightDecay: 0 });
      const losses: number[] = [];
      for (let s = 0; s < 8; s++) losses.push(step(model, opt, s));
      // No tensor leaks across steps (the optimizer's moments exist from the first step on).
      const held = tf.memory().numTensors;
      step(model, opt, 8);
      expect(tf.memory().numTensors).toBe(held);
      console.log(`${name}: ${losses.map((l) => l.toFixed(4)).join(' ')}`);
      expect(losses.every(Number.isFinite)).toBe(true);
      expect(Math.min(...losses.slice(-2))).toBeLessThan(losses[0] - 0.02 * Math.abs(losses[0]));
      expect(model.lastStats()[SSL_STATS.embeddingStd]).toBeGreaterThan(0);
      model.dispose();
    });
});

describe('targets and state', () => {
  it('the momentum target starts as the online network, is not trained, and follows the EMA at the scheduled momentum', () => {
    const method = { ...SSL_METHODS.byol, ...small, ...predictor, momentum: { base: 0.99, final: 1 } };
    const model = createJointEmbedding({ encoder, method, views: 2, seed: 5, steps: 2 });
    const names = ['blocks.0.attn.qkv.weight', 'projector.layers.1.weight'];
    const w0 = names.map((n) => model.params.get(n)!.dataSync().slice());
    for (const [i, n] of names.entries()) {
      const t = model.params.get(`target.${n}`)!;
      expect(t.trainable).toBe(false);
      expect(Array.from(t.dataSync())).toEqual(Array.from(w0[i]));
    }
    expect([...model.params.keys()].filter((n) => n.startsWith('target.predictor'))).toEqual([]);
    step(model, new AdamW(model.params, { lr: 1e-2, weightDecay: 0 }), 0);
    // afterStep ran with step 1 of 2: m = 1 - 0.01 * (cos(pi / 2) + 1) / 2 = 0.995.
    for (const [i, n] of names.entries()) {
      const w1 = model.params.get(n)!.dataSync();
      const t = model.params.get(`target.${n}`)!.dataSync();
      let moved = 0;
      for (let j = 0; j < t.length; j++) {
        expect(t[j]).toBeCloseTo(0.995 * w0[i][j] + 0.005 * w1[j], 6);
        moved = Math.max(moved, Math.abs(w1[j] - w0[i][j]));
      }
      expect(moved).toBeGreaterThan(1e-3);
    }
    model.dispose();
  });

  it("DINO's center is a non-trainable param updated from the recorded teacher mean", () => {
    const method = { ...SSL_METHODS.dino, projector: { hidden: 32, out: 8, layers: 2 } };
    const model = createJointEmbedding({ encoder, method, views: 2, seed: 2 });
    const center = model.params.get('dino.center')!;
    expect(center.trainable).toBe(false);
    expect(model.stats).toMatchObject({ [SSL_STATS.teacherMean]: [8] });
    let mean: Float32Array | undefined;
    const l = model.loss(tensors, {
      step: 0,
      worker: 0,
      record: (n, v) => {
        if (n === SSL_STATS.teacherMean) mean = Float32Array.from(v.dataSync());
      },
    });
    l.dispose();
    expect(mean).toHaveLength(8);
    // The mean is over the teacher's projections of both views, all 8 rows.
    const want = tf.tidy(() => {
      const pooled = model.targetEncoder!.forward({
        data: batch.views.data,
        shape: batch.views.shape as never,
      }).pooled;
      return tf.mean(head(model.params, 'target.projector', pooled, 2), 0);
    });
    const w = want.dataSync();
    for (let k = 0; k < 8; k++) expect(mean![k]).toBeCloseTo(w[k], 5);
    want.dispose();
    const stats = new Map([[SSL_STATS.teacherMean, tf.tensor1d(mean!)]]);
    model.afterStep({ step: 1, stats });
    // center was 0: 0.9 * 0 + 0.1 * mean
    const c = center.dataSync();
    for (let k = 0; k < 8; k++) expect(c[k]).toBeCloseTo(0.1 * mean![k], 6);
    model.afterStep({ step: 2, stats });
    // 0.9 * 0.1 * mean + 0.1 * mean = 0.19 * mean
    for (let k = 0; k < 8; k++) expect(center.dataSync()[k]).toBeCloseTo(0.19 * mean![k], 6);
    stats.get(SSL_STATS.teacherMean)!.dispose();
    expect(() => model.afterStep({ step: 3, stats: new Map() })).toThrow(SslStatsError);
    model.dispose();
  });

  it('collapse detector: identical clips give an embedding std near 0 in the step statistics', () => {
    const method = { ...SSL_METHODS.simclr, ...small };
    const model = createJointEmbedding({ encoder, method, views: 2, seed: 4 });
    const opt = new AdamW(model.params, { lr: 1e-3, weightDecay: 0 });
    step(model, opt, 0);
    const healthy = model.lastStats();
    const one = clips(1)[0];
    const same = viewBatch(
      [one, one, one, one],
      augmentPolicy('none', 16),
      { frames: 4, size: 16, count: 2 },
      0,
    );
    const collapsed = { views: tf.tensor(same.views.data, same.views.shape) };
    step(model, opt, 1, collapsed);
    collapsed.views.dispose();
    const stats = model.lastStats();
    console.log(
      `embedding std: varied batch ${healthy[SSL_STATS.embeddingStd]}, identical clips ${stats[SSL_STATS.embeddingStd]}`,
    );
    expect(stats[SSL_STATS.embeddingStd]).toBeLessThan(1e-3);
    expect(stats[SSL_STATS.encoderStd]).toBeLessThan(1e-3);
    expect(collapseReport(stats[SSL_STATS.embeddingStd], 16).collapsed).toBe(true);
    expect(collapseReport(healthy[SSL_STATS.embeddingStd], 16).collapsed).toBe(false);
    model.dispose();
  });
});

describe('spec and batch', () => {
  it('buildModel from a JSON round-trip of the spec gives the same model; [B, V, ...] batches give the same loss', async () => {
    const spec: JointEmbeddingSpec = { encoder, method: sslMethod('vicreg', small), views: 2, seed: 9 };
    const a = createJointEmbedding(spec);
    const b = await buildModel(JSON.parse(JSON.stringify(spec)));
    expect([...b.params.keys()]).toEqual([...a.params.keys()]);
    const ctx = { step: 0, worker: 0 };
    const la = a.loss(tensors, ctx);
    const lb = b.loss(tensors, ctx);
    const grouped = viewBatch(
      clips(4),
      augmentPolicy('weak', 16),
      { frames: 4, size: 16, count: 2, byClip: true },
      new Rng(1),
    );
    expect(grouped.views.shape).toEqual([4, 2, 4, 16, 16, 3]);
    expect(grouped.views.data).toEqual(batch.views.data);
    const six = tf.tensor(grouped.views.data, grouped.views.shape);
    const l6 = a.loss({ views: six }, ctx);
    expect(lb.dataSync()[0]).toBe(la.dataSync()[0]);
    expect(l6.dataSync()[0]).toBeCloseTo(la.dataSync()[0], 5);
    for (const t of [la, lb, l6, six]) t.dispose();
    a.dispose();
    b.dispose();
  });

  it('rejects bad specs and batches with typed errors', () => {
    const method = sslMethod('simclr', small);
    expect(() => createJointEmbedding({ encoder, method, views: 1, seed: 0 })).toThrow(ConfigError);
    expect(() =>
      createJointEmbedding({
        encoder,
        method: { ...SSL_METHODS.byol, ...small, predictor: { hidden: 8, out: 4, layers: 2 } },
        views: 2,
        seed: 0,
      }),
    ).toThrow(/predictor out/);
    expect(() =>
      createJointEmbedding({ encoder: { ...encoder, heads: 3 }, method, views: 2, seed: 0 }),
    ).toThrow(ConfigError);
    const model = createJointEmbedding({ encoder, method, views: 3, seed: 0 });
    expect(() => model.loss(tensors, { step: 0, worker: 0 })).toThrow(ShapeError);
    expect(() => model.loss({ clips: tensors.views }, { step: 0, worker: 0 })).toThrow(/no "views"/);
    model.dispose();
  });
});

describe("with @vfmkit/nn's trainStep", () => {
  it('DINO: one batch or two micro-batches of whole clips give the same loss, teacher mean and center', () => {
    const method = { ...SSL_METHODS.dino, projector: { hidden: 32, out: 16, layers: 2 } };
    const spec: JointEmbeddingSpec = { encoder, method, views: 2, seed: 6, steps: 10 };
    const a = createJointEmbedding(spec);
    const b = createJointEmbedding(spec);
    const oa = new AdamW(a.params, { lr: 1e-3, weightDecay: 0 });
    const ob = new AdamW(b.params, { lr: 1e-3, weightDecay: 0 });
    const ra = trainStep(a, batch, oa);
    const rb = trainStep(b, batch, ob, { microBatches: 2 });
    expect(rb.loss).toBeCloseTo(ra.loss, 5);
    const mean = ra.stats[SSL_STATS.teacherMean];
    expect(mean).toHaveLength(16);
    const ca = a.params.get('dino.center')!.dataSync();
    const cb = b.params.get('dino.center')!.dataSync();
    for (let k = 0; k < 16; k++) {
      expect(rb.stats[SSL_STATS.teacherMean][k]).toBeCloseTo(mean[k], 5);
      expect(ca[k]).toBeCloseTo(0.1 * mean[k], 6);
      expect(cb[k]).toBeCloseTo(ca[k], 6);
    }
    // Layer-norm heads make a clip's output independent of its batch-mates: the next step agrees too.
    expect(trainStep(b, batch, ob, { microBatches: 2 }).loss).toBeCloseTo(trainStep(a, batch, oa).loss, 3);
    a.dispose();
    b.dispose();
  });
});

describe('sharding keeps clips whole', () => {
  it('[B, V, ...] batches split by clip; [B * V, ...] rows that would split a clip are a ShapeError', () => {
    const model = createJointEmbedding({
      encoder,
      method: sslMethod('byol', { ...small, ...predictor }),
      views: 2,
      seed: 1,
    });
    const opt = new AdamW(model.params, { lr: 1e-3 });
    const three = clips(3);
    const policy = augmentPolicy('weak', 16);
    const flat = viewBatch(three, policy, { frames: 4, size: 16, count: 2 }, 4);
    const grouped = viewBatch(three, policy, { frames: 4, size: 16, count: 2, byClip: true }, 4);
    // 6 rows in 2 micro-batches: 3 + 3 rows, clip 1's views torn apart.
    expect(() => trainStep(model, flat, opt, { microBatches: 2 })).toThrow(ShapeError);
    // 3 clips in 2 micro-batches: 2 + 1 clips.
    expect(Number.isFinite(trainStep(model, grouped, opt, { microBatches: 2 }).loss)).toBe(true);
    model.dispose();
  });
});

describe('data-parallel', () => {
  it('BYOL on 2 workers takes the steps of one process: same losses, same weights and momentum targets', async () => {
    const method = { ...SSL_METHODS.byol, ...small, ...predictor, momentum: { base: 0.9, final: 1 } };
    const spec: JointEmbeddingSpec = { encoder, method, views: 2, seed: 8, steps: 4 };
    // eps 1e-3 keeps fp32 noise in near-zero gradients from turning into O(lr) Adam steps (see nn's test).
    const optimizer = { lr: 1e-3, weightDecay: 0, eps: 1e-3 };
    const dp = await DataParallel.create({
      module: new URL('../src/tfjs/joint-embedding.ts', import.meta.url),
      config: spec,
      workers: 2,
      optimizer,
      backend: 'wasm',
    });
    try {
      const single = createJointEmbedding(spec);
      const opt = new AdamW(single.params, optimizer);
      for (let s = 0; s < 2; s++) {
        const ref = trainStep(single, batch, opt);
        const got = await dp.step(batch);
        expect(got.loss).toBeCloseTo(ref.loss, 5);
        expect(got.stats[SSL_STATS.embeddingStd][0]).toBeGreaterThan(0);
      }
      const params = await dp.getParams();
      let worst = 0;
      for (const name of [
        'blocks.0.mlp.fc1.weight',
        'target.blocks.0.mlp.fc1.weight',
        'target.projector.layers.1.weight',
      ]) {
        const a = single.params.get(name)!.dataSync();
        const b = params.get(name)!.data as Float32Array;
        for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
      }
      expect(worst).toBeLessThan(1e-5);
      // ... and the targets did move (by about 0.085 of the online weights' ~1e-3 steps, far above 1e-5).
      const init = createJointEmbedding(spec);
      const t0 = init.params.get('target.blocks.0.mlp.fc1.weight')!.dataSync();
      const t2 = params.get('target.blocks.0.mlp.fc1.weight')!.data as Float32Array;
      expect(Math.max(...t0.map((x, i) => Math.abs(x - t2[i])))).toBeGreaterThan(5e-5);
      init.dispose();
      single.dispose();
    } finally {
      await dp.close();
    }
  });
});
