import { Rng } from '@vfmkit/core';
import { AdamW, batchToTensors, DataParallel, initBackend, tf, trainStep } from '@vfmkit/nn';
import { beforeAll, describe, expect, it } from 'vitest';
import { contrastiveBatch, distillBatch } from '../src/index';
import {
  CONTRASTIVE_STATS,
  ContrastiveModel,
  type ContrastiveModelSpec,
  DISTILL_STATS,
  DistillModel,
  type DistillModelSpec,
  VideoTower,
} from '../src/tfjs/index';
import { captionedClips, WORDS } from './helpers';

beforeAll(async () => {
  await initBackend({ backend: 'wasm', log: null });
});

const vit = {
  width: 32,
  depth: 1,
  heads: 2,
  mlpDim: 64,
  frames: 4,
  imageSize: [32, 32],
  tubelet: [2, 8, 8],
} as never;
const grid = { t: 2, h: 4, w: 4 };
const optimizer = { lr: 3e-3, weightDecay: 0.05, eps: 1e-3 };

describe('data-parallel workers build the same models (buildDistillModel, buildContrastiveModel)', () => {
  it('stage 2: two workers take the step of one process (teacher weights cross into the workers)', async () => {
    const teacher = VideoTower.create({ encoder: vit }, 4);
    const spec: DistillModelSpec = {
      config: { student: vit, teacher: { encoder: vit }, local: { depth: 1 }, global: { depth: 1 } },
      teacher: { weights: teacher.weights() },
    };
    const rng = new Rng(1);
    const data = Float32Array.from({ length: 5 * 4 * 32 * 32 * 3 }, () => rng.uniform());
    const batch = distillBatch({ data, shape: [5, 4, 32, 32, 3] }, grid, { ratio: 0.65 }, 3);
    const dp = await DataParallel.create({
      module: new URL('../src/tfjs/distill-model.ts', import.meta.url),
      exportName: 'buildDistillModel',
      config: spec,
      workers: 2,
      optimizer,
    });
    try {
      const single = DistillModel.create(spec);
      const opt = new AdamW(single.params, optimizer);
      for (let step = 0; step < 2; step++) {
        const ref = trainStep(single, batch, opt, { step });
        const got = await dp.step(batch);
        expect(got.loss).toBeCloseTo(ref.loss, 5);
        expect(got.stats[DISTILL_STATS.globalCos][0]).toBeCloseTo(ref.stats[DISTILL_STATS.globalCos][0], 5);
      }
      single.dispose();
      opt.dispose();
    } finally {
      await dp.close();
      teacher.dispose();
    }
  });

  it('stage 1: two workers take the step of one process', async () => {
    const spec: ContrastiveModelSpec = {
      config: {
        video: { encoder: vit },
        text: { vocabSize: WORDS.length, maxLength: 4, width: 16, depth: 1, heads: 2, embedDim: 32 },
      },
    };
    const d = captionedClips(6, 4, 32, 2);
    const batch = contrastiveBatch(d.clips, { ids: d.ids, mask: d.mask, shape: [6, 4] }, grid, 0.5, 5);
    const dp = await DataParallel.create({
      module: new URL('../src/tfjs/contrastive-model.ts', import.meta.url),
      exportName: 'buildContrastiveModel',
      config: spec,
      workers: 2,
      optimizer,
    });
    try {
      // The contrastive loss couples the rows of a batch: each shard is its own set of negatives, so the
      // data-parallel loss is the mean of the shard losses (as in CLIP without a cross-worker gather).
      const single = ContrastiveModel.create(spec);
      const half = (b: typeof batch, lo: number, hi: number) =>
        Object.fromEntries(
          Object.entries(b).map(([k, v]) => {
            const row = v.data.length / v.shape[0];
            return [k, { data: v.data.slice(lo * row, hi * row), shape: [hi - lo, ...v.shape.slice(1)] }];
          }),
        );
      const shardLoss = (lo: number, hi: number) =>
        tf.tidy(() => single.loss(batchToTensors(half(batch, lo, hi)), { step: 0, worker: 0 }).dataSync()[0]);
      const want = (shardLoss(0, 3) + shardLoss(3, 6)) / 2;
      const got = await dp.step(batch);
      expect(got.loss).toBeCloseTo(want, 4);
      expect(Number.isFinite(got.stats[CONTRASTIVE_STATS.temperature][0])).toBe(true);
      single.dispose();
    } finally {
      await dp.close();
    }
  });
});
