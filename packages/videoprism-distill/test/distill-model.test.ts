import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ClipBatch, ConfigError, Rng, ShapeError, tokenCount } from '@vfmkit/core';
import { AdamW, initBackend, tf, trainStep } from '@vfmkit/nn';
import type { VitConfigInput } from '@vfmkit/vit-encoder';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VideoTowerConfigInput } from '../src/index';
import { OnnxTeacher } from '../src/onnx/index';
import {
  DISTILL_STATS,
  DistillModel,
  type DistillModelSpec,
  saveVideoTowerCheckpoint,
  shuffleTokens,
  unshuffleTokens,
  VideoTower,
} from '../src/tfjs/index';
import { distillMasks, TeacherMismatchError, tokenShuffleOf } from './helpers';

beforeAll(async () => {
  await initBackend({ backend: 'wasm', log: null });
});

const vit: VitConfigInput = {
  width: 32,
  depth: 2,
  heads: 2,
  mlpDim: 64,
  frames: 4,
  imageSize: [32, 32],
  tubelet: [2, 8, 8],
};
const teacherTower: VideoTowerConfigInput = { encoder: { ...vit, width: 48, heads: 3, mlpDim: 96 } };
const grid = { t: 2, h: 4, w: 4 };
const N = tokenCount(grid);

function clipsOf(b: number, seed: number): ClipBatch {
  const rng = new Rng(seed);
  const data = new Float32Array(b * 4 * 32 * 32 * 3);
  for (let i = 0; i < data.length; i++) data[i] = rng.uniform();
  return { data, shape: [b, 4, 32, 32, 3] };
}

function spec(over: Partial<DistillModelSpec['config']> = {}): DistillModelSpec {
  return {
    config: {
      student: vit,
      teacher: teacherTower,
      local: { depth: 2, width: 32 },
      global: { depth: 1 },
      ...over,
    },
    teacher: { seed: 5 },
  };
}

describe('token shuffle', () => {
  it('unshuffle(shuffle(x)) is exactly x, and shuffle moves row b token order[b, j] to slot j, for every seed', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer(),
        (b, n, d, seed) => {
          const order = tokenShuffleOf(b, n, seed);
          const rng = new Rng(seed);
          const data = Float32Array.from({ length: b * n * d }, () => rng.normal());
          const [shuffled, back] = tf.tidy(() => {
            const x = tf.tensor3d(data, [b, n, d]);
            const s = shuffleTokens(x, order);
            return [s.dataSync().slice(), unshuffleTokens(s, order).dataSync().slice()];
          });
          expect(Array.from(back)).toEqual(Array.from(data));
          for (let r = 0; r < b; r++)
            for (let j = 0; j < n; j++)
              for (let c = 0; c < d; c++)
                expect(shuffled[(r * n + j) * d + c]).toBe(data[(r * n + order[r * n + j]) * d + c]);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('rejects an order that is not a permutation', () => {
    const x = tf.zeros([1, 3, 2]) as tf.Tensor3D;
    expect(() => shuffleTokens(x, Int32Array.from([0, 0, 1]))).toThrow(ShapeError);
    expect(() => unshuffleTokens(x, Int32Array.from([0, 1, 3]))).toThrow(ShapeError);
    x.dispose();
  });
});

describe('DistillModel', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'vp-distill-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('cosine to the frozen teacher rises over a few steps; stats are recorded; the teacher does not move', () => {
    const model = DistillModel.create(spec());
    const clips = clipsOf(4, 1);
    const evalMasks = distillMasks(4, grid, { ratio: 0.65 }, 99);
    expect(evalMasks.keepCount).toBe(N - Math.floor(0.65 * N));
    const before = model.teacherCosine(clips, evalMasks);
    const teacherBefore = model.teacher.params.get('pool.latent')?.dataSync().slice();
    const opt = new AdamW(model.params, { lr: 3e-3, weightDecay: 0 });
    let stats: Record<string, number[]> = {};
    const t0 = performance.now();
    for (let step = 0; step < 12; step++) {
      const m = distillMasks(4, grid, { ratio: 0.65 }, step);
      const r = trainStep(
        model,
        {
          clips: { data: clips.data, shape: clips.shape },
          visible: { data: m.visible, shape: [4, m.keepCount] },
          masked: { data: m.masked, shape: [4, m.maskedCount] },
          order: { data: m.order, shape: [4, N] },
        },
        opt,
        { step },
      );
      stats = r.stats;
    }
    const after = model.teacherCosine(clips, evalMasks);
    console.log(
      `distill nano: local cos ${before.local.toFixed(3)} -> ${after.local.toFixed(3)}, global cos ${before.global.toFixed(3)} -> ${after.global.toFixed(3)} in 12 steps (${((performance.now() - t0) / 1000).toFixed(1)} s)`,
    );
    expect(after.local).toBeGreaterThan(before.local + 0.1);
    expect(after.global).toBeGreaterThan(before.global + 0.1);
    for (const key of Object.values(DISTILL_STATS)) expect(Number.isFinite(stats[key]?.[0])).toBe(true);
    expect(stats[DISTILL_STATS.localCos][0]).toBeCloseTo(1 - stats[DISTILL_STATS.localLoss][0], 5);
    expect(stats[DISTILL_STATS.studentStd][0]).toBeGreaterThan(0);
    expect(model.teacher.params.get('pool.latent')?.dataSync()).toEqual(teacherBefore);
    model.dispose();
  });

  it('shuffling changes the local predictions only by rounding (the decoder is permutation-equivariant)', () => {
    const model = DistillModel.create(spec());
    const clips = clipsOf(2, 3);
    const m = distillMasks(2, grid, { ratio: 0.65 }, 4);
    const ident = distillMasks(2, grid, { ratio: 0.65, shuffle: false }, 4);
    expect(Array.from(ident.visible)).toEqual(Array.from(m.visible));
    const [a, b] = tf.tidy(() => [
      model.forward(clips, m).local.dataSync().slice(),
      model.forward(clips, ident).local.dataSync().slice(),
    ]);
    let diff = 0;
    for (let i = 0; i < a.length; i++) diff = Math.max(diff, Math.abs(a[i] - b[i]));
    expect(diff).toBeLessThan(1e-5);
    model.dispose();
  });

  it("shuffleMode 'content' moves only the visible tokens' content: predictions change, and still train", () => {
    const tokens = DistillModel.create(spec());
    const content = DistillModel.create(spec({ shuffleMode: 'content' }));
    const clips = clipsOf(2, 3);
    const m = distillMasks(2, grid, { ratio: 0.65 }, 4);
    const [a, b] = tf.tidy(() => [
      tokens.forward(clips, m).local.dataSync().slice(),
      content.forward(clips, m).local.dataSync().slice(),
    ]);
    let diff = 0;
    for (let i = 0; i < a.length; i++) diff = Math.max(diff, Math.abs(a[i] - b[i]));
    expect(diff).toBeGreaterThan(1e-3);
    // The same weights: an identity order gives the same predictions in both modes.
    const ident = distillMasks(2, grid, { ratio: 0.65, shuffle: false }, 4);
    const [c, d] = tf.tidy(() => [
      tokens.forward(clips, ident).local.dataSync().slice(),
      content.forward(clips, ident).local.dataSync().slice(),
    ]);
    expect(Array.from(d)).toEqual(Array.from(c));
    const before = content.teacherCosine(clips, m).local;
    const opt = new AdamW(content.params, { lr: 3e-3, weightDecay: 0 });
    for (let step = 0; step < 6; step++) {
      const s = distillMasks(2, grid, { ratio: 0.65 }, step);
      trainStep(
        content,
        {
          clips: { data: clips.data, shape: clips.shape },
          visible: { data: s.visible, shape: [2, s.keepCount] },
          masked: { data: s.masked, shape: [2, s.maskedCount] },
          order: { data: s.order, shape: [2, N] },
        },
        opt,
        { step },
      );
    }
    expect(content.teacherCosine(clips, m).local).toBeGreaterThan(before + 0.05);
    opt.dispose();
    tokens.dispose();
    content.dispose();
  });

  it('global loss off: no global weights, no global stats; a bad batch is a ShapeError', () => {
    const model = DistillModel.create(spec({ globalLoss: false }));
    expect([...model.params.keys()].some((k) => k.startsWith('global.'))).toBe(false);
    expect(Object.keys(model.stats)).not.toContain(DISTILL_STATS.globalLoss);
    const clips = clipsOf(2, 3);
    const m = distillMasks(2, grid, { ratio: 0.65 }, 1);
    expect(Number.isNaN(model.teacherCosine(clips, m).global)).toBe(true);
    const bad = { ...m, masked: m.visible.slice(0, m.masked.length) };
    expect(() => tf.tidy(() => model.forward(clips, bad).local)).toThrow(ShapeError);
    expect(() => tf.tidy(() => model.forward(clipsOf(1, 1), m).local)).toThrow(ShapeError);
    model.dispose();
  });

  it('TeacherMismatchError for a teacher of another clip shape or weights of another width', async () => {
    expect(() =>
      DistillModel.create({
        ...spec(),
        config: { ...spec().config, teacher: { encoder: { ...teacherTower.encoder, frames: 8 } } },
      }),
    ).toThrow(TeacherMismatchError);
    const narrow = VideoTower.create({ encoder: vit }, 2);
    expect(() => DistillModel.create({ ...spec(), teacher: { weights: narrow.weights() } })).toThrow(
      TeacherMismatchError,
    );
    // A checkpoint of another tower than config.teacher.
    const path = join(dir, 'narrow.safetensors');
    await saveVideoTowerCheckpoint(path, narrow.config, narrow.weights());
    expect(() => DistillModel.create({ ...spec(), teacher: { checkpoint: path } })).toThrow(
      TeacherMismatchError,
    );
    narrow.dispose();
    expect(() => DistillModel.create({ ...spec(), config: { ...spec().config, maskRatio: 1 } })).toThrow(
      ConfigError,
    );
  });

  it('a teacher checkpoint loads to the same teacher', async () => {
    const tower = VideoTower.create(teacherTower, 8);
    const path = join(dir, 'teacher.safetensors');
    await saveVideoTowerCheckpoint(path, tower.config, tower.weights());
    const model = DistillModel.create({ ...spec(), teacher: { checkpoint: path } });
    const clips = clipsOf(2, 5);
    const a = tower.embed(clips);
    const b = model.teacher.embed(clips);
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    tf.dispose([a, b]);
    tower.dispose();
    model.dispose();
  });
});

describe('teacher targets from ONNX Runtime', () => {
  it('OnnxTeacher targets give the loss of the tfjs teacher (to 1e-5)', async () => {
    const model = DistillModel.create(spec());
    const clips = clipsOf(2, 6);
    const m = distillMasks(2, grid, { ratio: 0.65 }, 8);
    const teacher = await OnnxTeacher.create(teacherTower, model.teacher.weights());
    const targets = await teacher.targets(clips);
    const batch = (extra: Record<string, tf.Tensor>) => ({
      clips: tf.tensor(clips.data, [...clips.shape]),
      visible: tf.tensor2d(m.visible, [2, m.keepCount], 'int32'),
      masked: tf.tensor2d(m.masked, [2, m.maskedCount], 'int32'),
      order: tf.tensor2d(m.order, [2, N], 'int32'),
      ...extra,
    });
    const ctx = { step: 0, worker: 0 };
    const own = tf.tidy(() => model.loss(batch({}), ctx).dataSync()[0]);
    const given = tf.tidy(
      () =>
        model
          .loss(
            batch({
              teacherTokens: tf.tensor3d(targets.tokens, [2, N, 48]),
              teacherEmbedding: tf.tensor2d(targets.embedding, [2, 48]),
            }),
            ctx,
          )
          .dataSync()[0],
    );
    expect(Math.abs(own - given)).toBeLessThan(1e-5);
    expect(() =>
      tf.tidy(() =>
        model.loss(batch({ teacherTokens: tf.zeros([2, 3, 48]), teacherEmbedding: tf.zeros([2, 48]) }), ctx),
      ),
    ).toThrow(ShapeError);
    await teacher.dispose();
    model.dispose();
  });
});

describe('state for exact resume', () => {
  it('every piece of state is in params: a model of another teacher seed, given these params, computes the same loss', () => {
    const a = DistillModel.create(spec());
    const clips = clipsOf(2, 2);
    const m = distillMasks(2, grid, { ratio: 0.65 }, 3);
    const opt = new AdamW(a.params, { lr: 3e-3 });
    const arrays = {
      clips: { data: clips.data, shape: [...clips.shape] },
      visible: { data: m.visible, shape: [2, m.keepCount] },
      masked: { data: m.masked, shape: [2, m.maskedCount] },
      order: { data: m.order, shape: [2, N] },
    };
    for (let step = 0; step < 2; step++) trainStep(a, arrays, opt, { step });
    const b = DistillModel.create({ ...spec(), teacher: { seed: 77 } });
    expect([...b.params.keys()]).toEqual([...a.params.keys()]);
    for (const [name, v] of a.params) b.params.get(name)?.assign(v);
    const ctx = { step: 5, worker: 0 };
    const lossOf = (model: DistillModel) =>
      tf.tidy(
        () =>
          model
            .loss(
              Object.fromEntries(Object.entries(arrays).map(([k, v]) => [k, tf.tensor(v.data, v.shape)])),
              ctx,
            )
            .dataSync()[0],
      );
    expect(lossOf(b)).toBe(lossOf(a));
    opt.dispose();
    a.dispose();
    b.dispose();
  });
});
