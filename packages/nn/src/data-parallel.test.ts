import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildModel, buildStatsModel, tinyBatch, tinyConfig } from '../test/fixtures/tiny-model';
import { useWasm } from '../test/reference';
import { AdamW } from './adamw';
import type { tf } from './backend';
import { DataParallel, shardBatch } from './data-parallel';
import { disposeParams } from './params';
import { cosineSchedule } from './schedule';
import { trainStep } from './train-step';

beforeAll(useWasm);

const fixture = new URL('../test/fixtures/tiny-model.ts', import.meta.url);
// eps 1e-3: Adam divides by sqrt(v), which turns fp32 rounding noise in near-zero gradient entries into
// O(lr) weight differences at eps 1e-8; a larger eps keeps the comparison about the averaging itself.
const optimizer = { lr: 5e-3, weightDecay: 0.05, eps: 1e-3 };
const schedule = { baseLr: 5e-3, warmupSteps: 1, totalSteps: 10 };

describe('DataParallel', () => {
  let dp: DataParallel;
  afterAll(() => dp?.close());

  it('two workers take the same steps as one process on the whole batch (fp32 tolerance)', async () => {
    // Batch 5 over 2 workers: shards of 3 and 2 rows, weighted 3/5 and 2/5.
    const batch = tinyBatch(tinyConfig, 5, 11);
    dp = await DataParallel.create({
      module: fixture,
      config: tinyConfig,
      workers: 2,
      optimizer,
      schedule,
      clipNorm: 1,
    });
    expect(dp.layout.names[0]).toBe('tok_embed.weight');

    const single = buildModel(tinyConfig);
    const opt = new AdamW(single.params, optimizer);
    const lr = cosineSchedule(schedule);
    for (let s = 0; s < 2; s++) {
      const ref = trainStep(single, batch, opt, { lr: lr(s), clipNorm: 1 });
      const got = await dp.step(batch);
      expect(got.loss).toBeCloseTo(ref.loss, 5);
      expect(got.gradNorm).toBeCloseTo(ref.gradNorm, 4);
    }
    const params = await dp.getParams();
    let worst = 0;
    let moved = 0;
    const init = buildModel(tinyConfig);
    for (const [name, v] of single.params) {
      const a = v.dataSync();
      const b = params.get(name)?.data as Float32Array;
      const c = (init.params.get(name) as tf.Variable).dataSync();
      for (let i = 0; i < a.length; i++) {
        worst = Math.max(worst, Math.abs(a[i] - b[i]));
        moved = Math.max(moved, Math.abs(a[i] - c[i]));
      }
    }
    expect(moved).toBeGreaterThan(1e-3); // the steps did change the weights
    expect(worst).toBeLessThan(1e-5);
    opt.dispose();
    disposeParams(single.params);
    disposeParams(init.params);
  });

  it('batch statistics reach afterStep as whole-batch means: uneven shards, one update in every worker', async () => {
    // Batch 3 over 2 workers: shards of 2 and 1 rows. The whole-batch mean of the ids is not the
    // mean of the two shard means, so a reduce that ignored shard sizes would fail this.
    const batch = tinyBatch(tinyConfig, 3, 25);
    const ids = Array.from(batch.ids.data);
    const mean = ids.reduce((a, b) => a + b, 0) / ids.length;
    const shardMeans = [ids.slice(0, 12), ids.slice(12)].map((s) => s.reduce((a, b) => a + b, 0) / s.length);
    expect(Math.abs((shardMeans[0] + shardMeans[1]) / 2 - mean)).toBeGreaterThan(0.5);
    const stats = await DataParallel.create({
      module: fixture,
      exportName: 'buildStatsModel',
      config: tinyConfig,
      workers: 2,
      optimizer,
    });
    try {
      const first = await stats.step(batch, { lr: 1e-3 });
      expect(first.stats['ids.mean'][0]).toBeCloseTo(mean, 5);
      await stats.step(batch, { lr: 1e-3 });
      // center: 0 -> mean / 2 -> mean / 4 + mean / 2
      const center = (await stats.getParams()).get('running.center')?.data as Float32Array;
      expect(center[0]).toBeCloseTo(0.75 * mean, 5);
      // A single thread with micro-batches of 2 and 1 rows records the same whole-batch mean.
      const single = buildStatsModel(tinyConfig);
      const opt = new AdamW(single.params, optimizer);
      const step = trainStep(single, batch, opt, { lr: 1e-3, microBatches: 2 });
      expect(step.stats['ids.mean'][0]).toBeCloseTo(mean, 5);
      expect((single.params.get('running.center') as tf.Variable).dataSync()[0]).toBeCloseTo(0.5 * mean, 5);
      opt.dispose();
      disposeParams(single.params);
    } finally {
      await stats.close();
    }
  });

  it('setParams reaches every worker and rejects unknown names', async () => {
    const fresh = buildModel({ ...tinyConfig, seed: 7 });
    const tensors = new Map(
      [...fresh.params].map(([k, v]) => [
        k,
        { dtype: 'F32' as const, shape: [...v.shape], data: v.dataSync() as Float32Array },
      ]),
    );
    await dp.setParams(tensors);
    const got = await dp.getParams();
    expect(Array.from(got.get('head.weight')?.data as Float32Array)).toEqual(
      Array.from(tensors.get('head.weight')?.data as Float32Array),
    );
    await expect(dp.setParams(new Map([['nope', tensors.get('head.weight') as never]]))).rejects.toThrow(
      /unknown parameter/,
    );
    disposeParams(fresh.params);
  });

  it('hands its optimizer state over: a restored copy takes the same next step (explicit lr)', async () => {
    const batch = tinyBatch(tinyConfig, 4, 3);
    await dp.step(batch, { lr: 2e-3 });
    const state = await dp.optimizerState();
    expect(state.t).toBeGreaterThan(0);
    expect([...state.tensors.keys()]).toContain('exp_avg.head.weight');
    const copy = await DataParallel.create({
      module: fixture,
      config: tinyConfig,
      workers: 1,
      optimizer,
      clipNorm: 1,
    });
    try {
      await copy.setParams(await dp.getParams());
      await copy.setOptimizerState(state);
      expect(copy.steps).toBe(state.t);
      const a = await dp.step(batch, { lr: 1e-3 });
      const b = await copy.step(batch, { lr: 1e-3 });
      expect(b.loss).toBeCloseTo(a.loss, 5);
      const pa = (await dp.getParams()).get('head.weight')?.data as Float32Array;
      const pb = (await copy.getParams()).get('head.weight')?.data as Float32Array;
      for (let i = 0; i < pa.length; i++) expect(Math.abs(pa[i] - pb[i])).toBeLessThan(1e-5);
    } finally {
      await copy.close();
    }
  });

  it('reports a model module that fails to build as a WorkerError', async () => {
    await expect(
      DataParallel.create({ module: fixture, exportName: 'brokenModel', config: {}, workers: 1 }),
    ).rejects.toMatchObject({ code: 'NN_WORKER', message: expect.stringMatching(/cannot be built/) });
    await expect(DataParallel.create({ module: fixture, config: {}, workers: 0 })).rejects.toMatchObject({
      code: 'CONFIG',
    });
  });

  it('shards a batch along dim 0', () => {
    const { shards, sizes } = shardBatch(tinyBatch(tinyConfig, 3, 1), 4);
    expect(sizes).toEqual([1, 1, 1, 0]);
    expect(shards[3]).toBeNull();
    expect(shards[1]?.ids.shape).toEqual([1, tinyConfig.length]);
    expect(() =>
      shardBatch(
        { a: { data: new Float32Array(2), shape: [2] }, b: { data: new Float32Array(3), shape: [3] } },
        2,
      ),
    ).toThrow(/rows/);
  });
});
