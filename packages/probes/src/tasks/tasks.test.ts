import { ConfigError, Rng } from '@vfmkit/core';
import { initBackend } from '@vfmkit/nn';
import { TASKS } from '@vfmkit/synth4d';
import { beforeAll, describe, expect, it } from 'vitest';
import { PIXEL_GEOMETRY, pixelFeatures, renderSplit } from '../../test/synth4d-fixture';
import { ProbeError } from '../errors';
import { actionsTask } from './actions';
import { boxTrackingTask } from './box-tracking';
import { cameraPoseTask, relativePoses } from './camera-pose';
import { depthTask, tokenDepth } from './depth';
import { type FitTaskOptions, fitTask } from './fit-task';
import { pointTrackingTask } from './point-tracking';
import { SYNTH4D_SUITES, SYNTH4D_TASK_HEADS, synth4dTaskHead } from './registry';
import { spatiotemporalTask } from './spatiotemporal-localization';
import type { Synth4dTask } from './task';
import { temporalTask } from './temporal-localization';

beforeAll(async () => {
  await initBackend({ backend: 'wasm', log: null });
});

/**
 * Trains the head on 48 train clips (8 x 32 x 32) of the task's preset and scores it on 24 val clips,
 * next to the same head left untrained (one step at lr 1e-9): the chance level of this readout.
 */
function trainedVsUntrained<M>(
  task: Synth4dTask<unknown, M>,
  options: FitTaskOptions,
  knobs: Parameters<typeof renderSplit>[3] = {},
  features: 'rgb' | 'actor-mask' = 'rgb',
) {
  const train = renderSplit(task.task, 'train', 48, knobs);
  const test = renderSplit(task.task, 'val', 24, knobs);
  const splits = [
    { features: pixelFeatures(train, features), samples: train },
    { features: pixelFeatures(test, features), samples: test },
  ] as const;
  const trained = fitTask(task, PIXEL_GEOMETRY, splits[0], splits[1], options, new Rng(1));
  const untrained = fitTask(
    task,
    PIXEL_GEOMETRY,
    splits[0],
    splits[1],
    { ...options, steps: 1, lr: 1e-9 },
    new Rng(1),
  );
  return { trained, untrained, train, test };
}

describe('task heads learn their synth4d task on a tiny budget (8 x 32 x 32 clips, pixel-cell features)', () => {
  it('depth: linear per-token readout reaches delta1 > 0.45 and AbsRel < 0.35 (median-aligned); untrained < 0.35', () => {
    const { trained, untrained } = trainedVsUntrained(depthTask, { kind: 'linear', steps: 150 });
    expect(trained.metrics.aligned.delta1).toBeGreaterThan(0.45);
    expect(trained.metrics.aligned.absRel).toBeLessThan(0.35);
    expect(untrained.metrics.aligned.delta1).toBeLessThan(0.35);
    expect(trained.table[0].name).toBe('absRel (median-aligned)');
    expect(trained.score).toBeCloseTo(100 * trained.metrics.aligned.delta1, 10);
  });

  it('point tracking: query-conditioned pooler reaches <delta_avg > 0.08 and AJ > 0.04; untrained 0', () => {
    const { trained, untrained } = trainedVsUntrained(
      pointTrackingTask,
      { kind: 'attentive', steps: 100 },
      { queries: 16 },
    );
    expect(trained.metrics.averagePtsWithinThresh).toBeGreaterThan(0.08);
    expect(trained.metrics.averageJaccard).toBeGreaterThan(0.04);
    expect(untrained.metrics.averagePtsWithinThresh).toBeLessThan(0.02);
    expect(trained.metrics.occlusionAccuracy).toBeGreaterThanOrEqual(
      untrained.metrics.occlusionAccuracy - 0.02,
    );
  });

  it('box tracking: box-conditioned pooler reaches mean IoU > 0.2; untrained < 0.05', () => {
    const { trained, untrained } = trainedVsUntrained(boxTrackingTask, { kind: 'attentive', steps: 80 });
    expect(trained.metrics.meanIou).toBeGreaterThan(0.2);
    expect(untrained.metrics.meanIou).toBeLessThan(0.05);
    expect(trained.metrics.frames).toBeGreaterThan(0);
  });

  it('camera pose: linear readout reaches rotation error < 10 deg and ATE below the untrained head', () => {
    const { trained, untrained } = trainedVsUntrained(cameraPoseTask, { kind: 'linear', steps: 150 });
    expect(trained.metrics.rotationErrorMean).toBeLessThan(10);
    expect(untrained.metrics.rotationErrorMean).toBeGreaterThan(20);
    expect(trained.metrics.ate).toBeLessThan(untrained.metrics.ate);
    expect(trained.metrics.auc).toBeGreaterThan(untrained.metrics.auc);
  });
});

describe('localization heads on a lone actor with static / linear / fall motions (still camera, actor-mask cells)', () => {
  const knobs = {
    objects: 1,
    speed: 2,
    motions: ['static', 'linear', 'fall'] as ('static' | 'linear' | 'fall')[],
    cameraMotions: ['static'] as 'static'[],
  };

  it('temporal (up to 2 segments): per-time pooler queries reach mAP@tIoU 0.5:0.95 > 0.25 and frame top-1 > 0.5, both well over the untrained head', () => {
    const { trained, untrained } = trainedVsUntrained(
      temporalTask,
      { kind: 'attentive', steps: 200, lr: 1e-2 },
      { ...knobs, maxSegments: 2 },
      'actor-mask',
    );
    expect(trained.metrics.map).toBeGreaterThan(0.25);
    expect(trained.metrics.map).toBeGreaterThan(untrained.metrics.map + 0.1);
    expect(trained.metrics.frameTop1).toBeGreaterThan(0.5);
    expect(trained.metrics.frameTop1).toBeGreaterThan(untrained.metrics.frameTop1 + 0.3);
    expect(trained.table[0]).toMatchObject({ name: 'mAP', higherIsBetter: true });
  });

  it('spatiotemporal: box-conditioned queries reach frame-mAP@0.5 > 0.6, 0.15 over the untrained head', () => {
    const { trained, untrained } = trainedVsUntrained(
      spatiotemporalTask,
      { kind: 'attentive', steps: 200, lr: 1e-2 },
      knobs,
      'actor-mask',
    );
    expect(trained.metrics.map).toBeGreaterThan(0.6);
    expect(trained.metrics.map).toBeGreaterThan(untrained.metrics.map + 0.15);
    expect(trained.score).toBeCloseTo(100 * trained.metrics.map, 10);
  });
});

describe('actions head', () => {
  it('reads static / linear / fall of a lone actor (still camera) out of actor-mask cells: top-1 > majority + 0.2', () => {
    const knobs = {
      objects: 1,
      speed: 2,
      motions: ['static', 'linear', 'fall'] as ('static' | 'linear' | 'fall')[],
      cameraMotions: ['static'] as 'static'[],
    };
    const train = renderSplit('actions', 'train', 64, knobs);
    const test = renderSplit('actions', 'val', 24, knobs);
    const r = fitTask(
      actionsTask,
      PIXEL_GEOMETRY,
      { features: pixelFeatures(train, 'actor-mask'), samples: train },
      { features: pixelFeatures(test, 'actor-mask'), samples: test },
      { kind: 'attentive', steps: 300, lr: 1e-2 },
      new Rng(1),
    );
    expect(r.metrics.top1).toBeGreaterThan(r.metrics.majority + 0.2);
    expect(r.metrics.top5).toBe(1);
  });
});

describe('task plumbing on hand-made predictions', () => {
  const geometry = PIXEL_GEOMETRY;

  it('temporal: per-frame targets cover the actor segments; clear-cut logits of the truth score mAP = 1', () => {
    const samples = renderSplit('temporal', 'val', 4);
    const { targets } = temporalTask.targetsFrom(samples, geometry);
    expect(targets.shape).toEqual([4, 4, 2 * 6]);
    const actor = samples[0].actions.segments.filter((g) => g.objectId === 1);
    for (const g of actor)
      for (let f = 0; f < 8; f++)
        expect(targets.data[f * 6 + g.label]).toBe(f >= g.start && f < g.end ? 1 : 0);
    const logits = Float32Array.from(targets.data, (v) => (2 * v - 1) * 5);
    const pred = temporalTask.decode({ data: logits, shape: targets.shape }, samples, geometry);
    const m = temporalTask.evaluate(pred, samples, geometry);
    expect(m.map).toBeCloseTo(1, 10);
    expect(m.classesEvaluated).toBe(
      new Set(samples.flatMap((s) => s.actions.segments.filter((g) => g.objectId === 1).map((g) => g.label)))
        .size,
    );
    // every frame of the wrong class instead: nothing is found
    const wrong = temporalTask.evaluate(
      temporalTask.decode(
        { data: Float32Array.from(logits, (v) => -v), shape: targets.shape },
        samples,
        geometry,
      ),
      samples,
      geometry,
    );
    expect(wrong.map).toBeLessThan(0.5);
    expect(temporalTask.headConfig('linear', geometry, samples)).toMatchObject({
      pool: 'time',
      timeSteps: 4,
      outputs: 12,
    });
  });

  it('spatiotemporal: one slot per keyframe box, masked padding; clear-cut logits of the truth score frame-mAP = 1', () => {
    const samples = renderSplit('spatiotemporal', 'val', 4);
    const { targets, weights } = spatiotemporalTask.targetsFrom(samples, geometry);
    const slots = 2 * samples[0].config.maxObjects; // keyframes 0 and 4 of 8 frames
    expect(targets.shape).toEqual([4, slots, 6]);
    samples.forEach((s, b) => {
      const real = Array.from({ length: slots }, (_, j) => weights?.data[(b * slots + j) * 6]).filter(
        (w) => w === 1,
      );
      expect(real.length).toBe(s.actions.actorBoxes.length);
    });
    const logits = Float32Array.from(targets.data, (v) => (2 * v - 1) * 5);
    const m = spatiotemporalTask.evaluate(
      spatiotemporalTask.decode({ data: logits, shape: targets.shape }, samples, geometry),
      samples,
      geometry,
    );
    expect(m.map).toBeCloseTo(1, 10);
    expect(spatiotemporalTask.condition?.(samples, geometry).shape).toEqual([4, slots, 45]);
    expect(() => spatiotemporalTask.headConfig('linear', geometry, samples)).toThrow(ProbeError);
  });

  it('actions: targets are the clip labels; perfect logits score top-1 = 1, the majority rate is reported', () => {
    const samples = renderSplit('actions', 'val', 6);
    const { targets } = actionsTask.targetsFrom(samples, geometry);
    expect(Array.from(targets.data)).toEqual(samples.map((s) => s.actions.clipLabel));
    const logits = new Float32Array(6 * 6);
    samples.forEach((s, b) => {
      logits[b * 6 + s.actions.clipLabel] = 5;
    });
    const m = actionsTask.evaluate(
      actionsTask.decode({ data: logits, shape: [6, 1, 6] }, samples, geometry),
      samples,
      geometry,
    );
    expect(m.top1).toBe(1);
    const counts = new Map<number, number>();
    for (const s of samples) counts.set(s.actions.clipLabel, (counts.get(s.actions.clipLabel) ?? 0) + 1);
    expect(m.majority).toBeCloseTo(Math.max(...counts.values()) / 6, 12);
  });

  it('depth: token cells average surface pixels, sky-dominated cells are invalid; truth as prediction is perfect', () => {
    const samples = renderSplit('depth', 'val', 2);
    const gt = tokenDepth(samples, geometry);
    // every 2 x 8 x 8 cell of clip 0 recomputed in float64: valid when at least 64 of its 128 pixels
    // see a surface (depth > 0), holding their mean depth; invalid cells hold 0
    let valid = 0;
    for (let ti = 0; ti < 4; ti++)
      for (let hi = 0; hi < 4; hi++)
        for (let wi = 0; wi < 4; wi++) {
          let sum = 0;
          let n = 0;
          for (let f = ti * 2; f < ti * 2 + 2; f++)
            for (let y = hi * 8; y < hi * 8 + 8; y++)
              for (let x = wi * 8; x < wi * 8 + 8; x++) {
                const d = samples[0].depth[(f * 32 + y) * 32 + x];
                if (d > 0) {
                  sum += d;
                  n++;
                }
              }
          const cell = (ti * 4 + hi) * 4 + wi;
          expect(gt.valid[cell], `cell ${cell}`).toBe(n >= 64 ? 1 : 0);
          expect(gt.depth[cell], `cell ${cell}`).toBeCloseTo(n >= 64 ? sum / n : 0, 4);
          valid += n >= 64 ? 1 : 0;
        }
    // the clip has both kinds of cell, so both branches above were checked
    expect(valid).toBeGreaterThan(0);
    expect(valid).toBeLessThan(64);
    const { targets, weights } = depthTask.targetsFrom(samples, geometry);
    const logs = Float32Array.from(targets.data, (v, i) => (weights?.data[i] ? v : 0));
    const m = depthTask.evaluate(
      depthTask.decode({ data: logs, shape: [2, 64, 1] }, samples, geometry),
      samples,
      geometry,
    );
    expect(m.aligned.absRel).toBeLessThan(1e-6);
    expect(m.metric.delta1).toBe(1);
  });

  it('point tracking: ground truth as prediction gives AJ = 1 and OA = 1; linear heads are refused', () => {
    const samples = renderSplit('tracking', 'val', 2, { queries: 8 });
    const { targets } = pointTrackingTask.targetsFrom(samples, geometry);
    const m = pointTrackingTask.evaluate(
      pointTrackingTask.decode({ data: targets.data as Float32Array, shape: [2, 8, 24] }, samples, geometry),
      samples,
      geometry,
    );
    expect(m.averageJaccard).toBeCloseTo(1, 5);
    expect(m.occlusionAccuracy).toBe(1);
    expect(() => pointTrackingTask.headConfig('linear', geometry, samples)).toThrow(ProbeError);
    expect(pointTrackingTask.condition?.(samples, geometry).shape).toEqual([2, 8, 27]);
  });

  it('box tracking: ground truth as prediction gives mean IoU = 1; only objects visible in frame 0 are scored', () => {
    const samples = renderSplit('boxes', 'val', 3);
    const { targets } = boxTrackingTask.targetsFrom(samples, geometry);
    const S = samples[0].config.maxObjects;
    const m = boxTrackingTask.evaluate(
      boxTrackingTask.decode({ data: targets.data as Float32Array, shape: [3, S, 32] }, samples, geometry),
      samples,
      geometry,
    );
    expect(m.meanIou).toBeCloseTo(1, 5);
    const tracked = samples.reduce(
      (a, s) => a + Array.from(s.boxes.visible.subarray(0, s.boxes.count)).filter((v) => v).length,
      0,
    );
    expect(m.perSequence.length).toBe(tracked);
  });

  it('camera pose: relative poses start at identity, truth as prediction scores zero error and AUC 1', () => {
    const samples = renderSplit('pose', 'val', 2);
    const P = relativePoses(samples[0]);
    expect(Array.from(P.subarray(0, 16)).map((v) => Math.round(v * 1e6) / 1e6 + 0)).toEqual([
      1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1,
    ]);
    const { targets } = cameraPoseTask.targetsFrom(samples, geometry);
    const m = cameraPoseTask.evaluate(
      cameraPoseTask.decode({ data: targets.data as Float32Array, shape: [2, 8, 9] }, samples, geometry),
      samples,
      geometry,
    );
    expect(m.rotationErrorMean).toBeLessThan(0.05);
    expect(m.translationErrorMean).toBeLessThan(0.05);
    expect(m.auc).toBe(1);
    expect(m.ate).toBeLessThan(1e-5);
  });

  it('the suites list every task with a head once, and nothing without one', () => {
    expect([...SYNTH4D_SUITES['4d']]).toEqual(['depth', 'tracking', 'boxes', 'pose']);
    expect([...SYNTH4D_SUITES.videoglue]).toEqual(['actions', 'temporal', 'spatiotemporal']);
    expect([...SYNTH4D_SUITES.all].sort()).toEqual(Object.keys(SYNTH4D_TASK_HEADS).sort());
    expect([...SYNTH4D_SUITES.all].sort()).toEqual(
      [...SYNTH4D_SUITES['4d'], ...SYNTH4D_SUITES.videoglue].sort(),
    );
    // every synth4d preset but captions (video-text training data, no probe head) has a head
    expect(TASKS.filter((t) => !(t in SYNTH4D_TASK_HEADS))).toEqual(['captions']);
  });

  it('unknown task names and empty splits give typed errors', () => {
    expect(() => synth4dTaskHead('captions')).toThrow(ConfigError);
    expect(synth4dTaskHead('synth4d/depth')).toBe(depthTask);
    const samples = renderSplit('depth', 'val', 1);
    const f = pixelFeatures(samples);
    expect(() =>
      fitTask(
        depthTask,
        geometry,
        { features: f, samples: [] },
        { features: f, samples },
        { kind: 'linear' },
        1,
      ),
    ).toThrow(ConfigError);
  });
});
