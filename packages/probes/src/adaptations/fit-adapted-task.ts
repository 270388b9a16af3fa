import { type ClipBatch, ConfigError, type SeedOrRng, toRng } from '@vfmkit/core';
import type { NamedWeights, VitConfig } from '@vfmkit/vit-encoder';
import { VitModel } from '@vfmkit/vit-encoder/tfjs';
import { type ProbeCost, ProbeHead } from '../heads/probe-head';
import type { FitTaskResult } from '../tasks/fit-task';
import { checkReadout, type ReadoutTask, type TaskGeometry } from '../tasks/task';
import { adaptBackbone } from './adapt-backbone';
import { adaptedCost } from './adapted-cost';
import {
  type AdaptationConfig,
  type AdaptationConfigInput,
  type BackboneAdaptationConfig,
  describeAdaptation,
  parseBackboneAdaptation,
} from './config';
import { predictAdapted, trainAdapted } from './train-adapted';

/** Clips of a set with their ground truth: `clips` is `[B, T, H, W, C]` in [0, 1], one row per sample. */
export interface ClipSplit<S> {
  readonly clips: ClipBatch;
  readonly samples: readonly S[];
}

/**
 * The backbone learning rate as a fraction of the head's, per method: adapters train at the head's
 * rate; finetuning every weight wants a gentler step (0.1x).
 */
export const BACKBONE_LR_SCALE: Readonly<Record<BackboneAdaptationConfig['method'], number>> = Object.freeze({
  adapter: 1,
  e2e: 0.1,
});

/** Options of {@link fitAdaptedTask}. */
export interface FitAdaptedTaskOptions {
  /** `adapter` (LoRA or bottleneck) or `e2e`; see `parseAdaptationConfig`. */
  readonly adaptation: AdaptationConfigInput | AdaptationConfig;
  /** Optimiser steps (default 150), batch size (default 16), the head's peak learning rate (default 3e-3). */
  readonly steps?: number;
  readonly batchSize?: number;
  readonly lr?: number;
  /** The backbone's peak learning rate (default `lr` x {@link BACKBONE_LR_SCALE} of the method). */
  readonly backboneLr?: number;
}

/** What {@link fitAdaptedTask} measured: {@link FitTaskResult} plus the adaptation that ran. */
export interface FitAdaptedTaskResult<M = unknown, P = unknown> extends FitTaskResult<M, P> {
  readonly adaptation: BackboneAdaptationConfig;
  /** The report label of the adaptation that ran (`describeAdaptation`), e.g. `adapter (LoRA r=8 on qkv)`. */
  readonly description: string;
  /** `cost.trainableParams` as counted on the trained variables (backbone's trainable weights + head). */
  readonly trainableParams: number;
}

/**
 * The backbone-adaptation counterpart of `fitTask`: builds a tfjs `VitModel` from an encoder's config
 * and weights, adapts it (`adaptBackbone`), trains the task's attentive head together with the
 * adapters (or every weight for `e2e`) on the train clips (`trainAdapted`), predicts the test clips
 * (`predictAdapted`), scores them with the task's metrics and costs the run with `adaptedCost`. The
 * model is created and disposed here, so the caller's weights are never changed.
 *
 * @param encoder a vit-encoder checkpoint (`loadVitCheckpoint`'s result, or `{ config, weights }`).
 * @param train, test clips at the encoder's clip size `[B, T, H, W, 3]` with their samples.
 * @throws ConfigError for empty splits, a frozen-feature method or bad options; ProbeError /
 *   ShapeError from the model, the head and the task.
 */
export function fitAdaptedTask<S, P, M>(
  task: ReadoutTask<S, P, M>,
  geometry: TaskGeometry,
  encoder: { readonly config: VitConfig; readonly weights: NamedWeights },
  train: ClipSplit<S>,
  test: ClipSplit<S>,
  options: FitAdaptedTaskOptions,
  seed: SeedOrRng,
): FitAdaptedTaskResult<M, P> {
  const adaptation = parseBackboneAdaptation(options.adaptation);
  if (train.samples.length === 0 || test.samples.length === 0)
    throw new ConfigError(`fitAdaptedTask(${task.name}): train and test need at least one clip each`, {
      key: 'samples',
    });
  for (const [name, split] of [
    ['train', train],
    ['test', test],
  ] as const)
    if (split.clips.shape[0] !== split.samples.length)
      throw new ConfigError(
        `fitAdaptedTask(${task.name}): ${name} has ${split.clips.shape[0]} clips but ${split.samples.length} samples`,
        { key: name },
      );
  checkReadout(task, 'attentive');
  const rng = toRng(seed);
  const model = VitModel.create(encoder.config, encoder.weights);
  const head = ProbeHead.create(task.headConfig('attentive', geometry, train.samples), rng.fork());
  try {
    const adapted = adaptBackbone(model, adaptation, rng.fork());
    const { targets, weights } = task.targetsFrom(train.samples, geometry);
    const conditioned = head.config.conditionWidth > 0;
    const lr = options.lr ?? 3e-3;
    const batchSize = options.batchSize ?? 16;
    const fit = trainAdapted(
      model,
      head,
      train.clips,
      targets,
      {
        loss: task.loss,
        steps: options.steps ?? 150,
        batchSize,
        lr,
        backboneLr: options.backboneLr ?? lr * BACKBONE_LR_SCALE[adaptation.method],
        condition: conditioned ? task.condition?.(train.samples, geometry) : undefined,
        weights,
      },
      rng.fork(),
    );
    const t0 = performance.now();
    const outputs = predictAdapted(model, head, test.clips, {
      batchSize,
      condition: conditioned ? task.condition?.(test.samples, geometry) : undefined,
    });
    const predictions = task.decode(outputs, test.samples, geometry);
    const metrics = task.evaluate(predictions, test.samples, geometry);
    const cost: ProbeCost = adaptedCost(model.config, adapted, head);
    return {
      task: task.name,
      kind: 'attentive',
      adaptation,
      description: describeAdaptation(adaptation),
      metrics,
      predictions,
      table: task.metrics(metrics),
      score: task.score(metrics),
      cost,
      trainableParams: fit.trainableParams,
      losses: fit.losses,
      trainSeconds: fit.seconds,
      evalSeconds: (performance.now() - t0) / 1000,
    };
  } finally {
    head.dispose();
    model.dispose();
  }
}
