import { type ClipBatch, ConfigError, ShapeError, tokenCount } from '@vfmkit/core';
import { AdamW, initBackend, tf, trainStep } from '@vfmkit/nn';
import { beforeAll, describe, expect, it } from 'vitest';
import { tubeDropBatch } from '../src/index';
import {
  CONTRASTIVE_STATS,
  ContrastiveModel,
  type ContrastiveModelSpec,
  LOG_TEMPERATURE,
} from '../src/tfjs/index';
import { captionedClips, WORDS } from './helpers';
import { type Mat, recallAt1 } from './reference';

beforeAll(async () => {
  await initBackend({ backend: 'wasm', log: null });
});

const spec: ContrastiveModelSpec = {
  config: {
    video: {
      encoder: {
        width: 32,
        depth: 2,
        heads: 2,
        mlpDim: 64,
        frames: 4,
        imageSize: [32, 32],
        tubelet: [2, 8, 8],
      },
    },
    text: { vocabSize: WORDS.length, maxLength: 4, width: 32, depth: 1, heads: 2, embedDim: 32 },
    seed: 3,
  },
};
const grid = { t: 2, h: 4, w: 4 };

function similarity(model: ContrastiveModel, data: ReturnType<typeof captionedClips>): Mat {
  const b = data.captions.length;
  return tf.tidy(() => {
    const v = model.embedVideo(data.clips as ClipBatch);
    const t = model.embedText(tf.tensor2d(data.ids, [b, 4], 'int32'), tf.tensor2d(data.mask, [b, 4]));
    return tf.matMul(v, tf.transpose(t)).arraySync() as Mat;
  });
}

describe('ContrastiveModel', () => {
  it('a nano model reaches R@1 well above chance on held-out clips of 16 captioned kinds', () => {
    const model = ContrastiveModel.create(spec);
    const opt = new AdamW(model.params, { lr: 3e-3, weightDecay: 0.01 });
    const heldOut = captionedClips(16, 4, 32, 1000);
    const r1Before = recallAt1(similarity(model, heldOut));
    const t0 = performance.now();
    let stats: Record<string, number[]> = {};
    let first = 0;
    let last = 0;
    const steps = 40;
    for (let step = 0; step < steps; step++) {
      const d = captionedClips(16, 4, 32, step);
      const visible = tubeDropBatch(16, grid, 0.5, step);
      const r = trainStep(
        model,
        {
          clips: d.clips,
          ids: { data: d.ids, shape: [16, 4] },
          mask: { data: d.mask, shape: [16, 4] },
          visible: { data: visible, shape: [16, visible.length / 16] },
        },
        opt,
        { step },
      );
      if (step === 0) first = r.loss;
      last = r.loss;
      stats = r.stats;
    }
    const sim = similarity(model, heldOut);
    const v2t = recallAt1(sim);
    const t2v = recallAt1(sim[0].map((_, j) => sim.map((row) => row[j])));
    console.log(
      `contrastive nano: loss ${first.toFixed(3)} -> ${last.toFixed(3)}; held-out R@1 v2t ${v2t.toFixed(3)}, t2v ${t2v.toFixed(3)} (before ${r1Before.toFixed(3)}, chance ${(1 / 16).toFixed(3)}) after ${steps} steps (${((performance.now() - t0) / 1000).toFixed(1)} s); temperature ${stats[CONTRASTIVE_STATS.temperature][0].toFixed(4)}`,
    );
    expect(last).toBeLessThan(first);
    expect(v2t).toBeGreaterThanOrEqual(0.5);
    expect(t2v).toBeGreaterThanOrEqual(0.5);
    for (const key of Object.values(CONTRASTIVE_STATS)) expect(Number.isFinite(stats[key]?.[0])).toBe(true);
    expect(stats[CONTRASTIVE_STATS.positiveCos][0]).toBeGreaterThan(stats[CONTRASTIVE_STATS.negativeCos][0]);
    expect(stats[CONTRASTIVE_STATS.videoStd][0]).toBeGreaterThan(0.02);
    model.dispose();
  });

  it('tube drop keeps half of each time slice, the same positions in every slice', () => {
    const keep = tubeDropBatch(2, grid, 0.5, 7);
    const k = keep.length / 2;
    expect(k).toBe(tokenCount(grid) / 2);
    const plane = grid.h * grid.w;
    const row = Array.from(keep.subarray(0, k));
    const first = row.filter((i) => i < plane);
    expect(row.filter((i) => i >= plane).map((i) => i - plane)).toEqual(first);
  });

  it('the log temperature trains, is clamped in place after a step, and is a parameter', () => {
    const model = ContrastiveModel.create(spec, { temperature: 0.009 });
    expect(model.params.get(LOG_TEMPERATURE)).toBe(model.logTemperature);
    // Below the 0.01 bound: the loss uses 0.01 and afterStep writes the bound back.
    expect(model.temperature).toBeCloseTo(0.01, 8);
    model.afterStep();
    expect(Math.exp(model.logTemperature.dataSync()[0])).toBeCloseTo(0.01, 6);
    model.dispose();
  });

  it('rejects a text width that does not match the video, a missing batch entry and mismatched captions', () => {
    expect(() =>
      ContrastiveModel.create({ config: { ...spec.config, text: { ...spec.config.text, embedDim: 16 } } }),
    ).toThrow(ConfigError);
    const model = ContrastiveModel.create(spec);
    const d = captionedClips(4, 4, 32, 1);
    const clips = tf.tensor(d.clips.data, d.clips.shape);
    expect(() => tf.tidy(() => model.loss({ clips }, { step: 0, worker: 0 }))).toThrow(ShapeError);
    const ids = tf.tensor2d(d.ids.subarray(0, 8), [2, 4], 'int32');
    const mask = tf.ones([2, 4]) as tf.Tensor2D;
    expect(() => tf.tidy(() => model.loss({ clips, ids, mask }, { step: 0, worker: 0 }))).toThrow(ShapeError);
    tf.dispose([clips, ids, mask]);
    model.dispose();
  });
});
