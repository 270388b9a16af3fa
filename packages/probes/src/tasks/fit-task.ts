import { ConfigError, type SeedOrRng, toRng } from '@vfmkit/core';
import type { Synth4dSample } from '@vfmkit/synth4d';
import type { Features } from '../cache/feature-rows';
import { type ProbeCost, ProbeHead } from '../heads/probe-head';
import { predictProbe, trainProbe } from '../heads/train';
import { checkReadout, type ReadoutKind, type ReadoutTask, type TaskGeometry, type TaskMetric } from './task';

/** Features of a set of clips with the clips' ground truth (synth4d samples by default). */
export interface TaskSplit<S = Synth4dSample> {
  /** `[B, N, D]` (`[B, L, N, D]` for `mlap`), in memory or read on demand (e.g. `FeatureCache.open`). */
  readonly features: Features;
  readonly samples: readonly S[];
}

/** Options of {@link fitTask}. */
export interface FitTaskOptions {
  readonly kind: ReadoutKind;
  /** Optimiser steps (default 150), batch size (default 16), peak learning rate (default 3e-3). */
  readonly steps?: number;
  readonly batchSize?: number;
  readonly lr?: number;
  /** Forward GFLOPs of the frozen encoder per clip, for the inference cost. */
  readonly encoderGflops?: number;
}

/** What {@link fitTask} measured. */
export interface FitTaskResult<M = unknown, P = unknown> {
  readonly task: string;
  readonly kind: ReadoutKind;
  readonly metrics: M;
  /** The decoded predictions on the test clips (what the metrics scored; e.g. for pictures). */
  readonly predictions: P;
  /** Flat metrics, headline first. */
  readonly table: TaskMetric[];
  /** The task's 0-100 score for the VideoGLUE score. */
  readonly score: number;
  readonly cost: ProbeCost;
  readonly losses: number[];
  readonly trainSeconds: number;
  readonly evalSeconds: number;
}

/**
 * Trains a task head on `train` features and scores it on `test`: targets from the ground truth, a
 * seeded head of `options.kind`, {@link trainProbe}, {@link predictProbe}, then the task's metrics.
 * @throws ConfigError when the splits are empty; ProbeError for a readout the task does not take, and
 *   ProbeError / ShapeError from the head.
 */
export function fitTask<S, P, M>(
  task: ReadoutTask<S, P, M>,
  geometry: TaskGeometry,
  train: TaskSplit<S>,
  test: TaskSplit<S>,
  options: FitTaskOptions,
  seed: SeedOrRng,
): FitTaskResult<M, P> {
  if (train.samples.length === 0 || test.samples.length === 0)
    throw new ConfigError(`fitTask(${task.name}): train and test need at least one clip each`, {
      key: 'samples',
    });
  checkReadout(task, options.kind);
  const rng = toRng(seed);
  const head = ProbeHead.create(task.headConfig(options.kind, geometry, train.samples), rng.fork());
  try {
    const { targets, weights } = task.targetsFrom(train.samples, geometry);
    const condition = head.config.conditionWidth > 0 ? task.condition?.(train.samples, geometry) : undefined;
    const fit = trainProbe(
      head,
      train.features,
      targets,
      {
        loss: task.loss,
        steps: options.steps ?? 150,
        batchSize: options.batchSize ?? 16,
        lr: options.lr ?? 3e-3,
        condition,
        weights,
      },
      rng.fork(),
    );
    const t0 = performance.now();
    const testCondition =
      head.config.conditionWidth > 0 ? task.condition?.(test.samples, geometry) : undefined;
    const outputs = predictProbe(head, test.features, { condition: testCondition });
    const predictions = task.decode(outputs, test.samples, geometry);
    const metrics = task.evaluate(predictions, test.samples, geometry);
    return {
      task: task.name,
      kind: options.kind,
      metrics,
      predictions,
      table: task.metrics(metrics),
      score: task.score(metrics),
      cost: head.cost(options.encoderGflops ?? 0),
      losses: fit.losses,
      trainSeconds: fit.seconds,
      evalSeconds: (performance.now() - t0) / 1000,
    };
  } finally {
    head.dispose();
  }
}
