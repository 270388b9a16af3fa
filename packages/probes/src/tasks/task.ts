import type { TokenGrid } from '@vfmkit/core';
import type { Synth4dSample, TaskName } from '@vfmkit/synth4d';
import type { ArrayWithShape } from '../cache/feature-rows';
import { ProbeError } from '../errors';
import type { ProbeHeadConfigInput } from '../heads/config';
import type { ProbeLoss } from '../heads/train';

/**
 * Readout heads over frozen features: `linear` (layer norm + linear), `attentive` (the attentive pooler
 * of 4DS / VideoGLUE's "frozen" method) and `mlap` (VideoGLUE's multi-layer attention pooler).
 */
export type ReadoutKind = 'linear' | 'attentive' | 'mlap';

/** What a task head needs to know about the encoder and the clips. */
export interface TaskGeometry {
  /** Token grid of the encoder over the clip (tokens t-major). */
  readonly grid: TokenGrid;
  /** Clip size in pixels and frames. */
  readonly frames: number;
  readonly height: number;
  readonly width: number;
  /** Feature width D. */
  readonly featureWidth: number;
  /** Encoder layers available to `mlap` (the L of `[B, L, N, D]`). */
  readonly layers: number;
}

/** Training targets of a task for {@link trainProbe}: targets, optional entry weights. */
export interface TaskTargets {
  readonly targets: ArrayWithShape<Float32Array | Int32Array>;
  readonly weights?: ArrayWithShape;
}

/** A metric value for tables: its name, value and direction. */
export interface TaskMetric {
  readonly name: string;
  readonly value: number;
  readonly higherIsBetter: boolean;
}

/**
 * A readout task: how ground truth becomes head targets, which head reads it out, how head outputs
 * become predictions, and how predictions are scored with this package's metrics. Tasks are generic in
 * the clip type `S` they read ground truth from: synth4d samples ({@link Synth4dTask}) or any labelled
 * clip (e.g. decoded from a video manifest, see `classificationTask`).
 *
 * @typeParam S a clip with its ground truth.
 * @typeParam P predictions in the task's own units (depth maps, pixel tracks, boxes, poses, logits).
 * @typeParam M the metric object of the task.
 */
export interface ReadoutTask<S, P = unknown, M = unknown> {
  /** Task name, e.g. `synth4d/depth`. */
  readonly name: string;
  /** Loss the head trains with. */
  readonly loss: ProbeLoss;
  /** Readout kinds that apply (query-conditioned tasks need a pooler: no `linear`). */
  readonly readouts: readonly ReadoutKind[];
  /** Name of the headline metric (the first entry of {@link ReadoutTask.metrics}). */
  readonly headline: string;
  /** Name of the 0-100, higher-is-better number fed to the VideoGLUE score (see {@link ReadoutTask.score}). */
  readonly scoreName: string;
  /**
   * The head configuration of a readout kind for this encoder geometry (and the training clips).
   * @throws ProbeError for a kind not in {@link ReadoutTask.readouts}.
   */
  headConfig(kind: ReadoutKind, geometry: TaskGeometry, samples: readonly S[]): ProbeHeadConfigInput;
  /** Per-query conditioning `[B, Q, F]` (query points, boxes), for heads that take one. */
  condition?(samples: readonly S[], geometry: TaskGeometry): ArrayWithShape;
  /** Ground truth -> head targets (and weights). */
  targetsFrom(samples: readonly S[], geometry: TaskGeometry): TaskTargets;
  /** Head outputs `[B, R, O]` -> predictions. */
  decode(outputs: ArrayWithShape, samples: readonly S[], geometry: TaskGeometry): P;
  /** Scores predictions against the clips' ground truth. */
  evaluate(predictions: P, samples: readonly S[], geometry: TaskGeometry): M;
  /** Flat metric list for tables, headline first. */
  metrics(result: M): TaskMetric[];
  /** One number in [0, 100], higher is better, for the VideoGLUE score. */
  score(result: M): number;
}

/** A readout task on a synth4d preset (`task` names the preset whose clips it reads). */
export interface Synth4dTask<P = unknown, M = unknown> extends ReadoutTask<Synth4dSample, P, M> {
  readonly task: TaskName;
}

/** Readout kinds of pooled tasks: all three. */
export const ALL_READOUTS: readonly ReadoutKind[] = ['linear', 'attentive', 'mlap'];
/** Readout kinds of query-conditioned tasks: the poolers. */
export const POOLER_READOUTS: readonly ReadoutKind[] = ['attentive', 'mlap'];

/** @throws ProbeError when `kind` is not one of the task's readouts. */
export function checkReadout(
  task: { name: string; readouts: readonly ReadoutKind[] },
  kind: ReadoutKind,
): void {
  if (!task.readouts.includes(kind))
    throw new ProbeError(
      `${task.name} reads out with ${task.readouts.join(' or ')}, not ${kind}${kind === 'linear' ? ' (it needs a query-conditioned pooler)' : ''}`,
      { what: 'kind', value: kind },
    );
}

/** Attention heads for a pooler over width D: 4, 2 or 1, the largest that divides D. */
export function poolerHeads(width: number): number {
  return [4, 2, 1].find((h) => width % h === 0 && width / h >= 8) ?? 1;
}

/** The common part of a pooler head config for `kind`. */
export function poolerConfig(
  kind: ReadoutKind,
  geometry: TaskGeometry,
): Pick<ProbeHeadConfigInput, 'kind' | 'inputWidth' | 'tokens' | 'heads' | 'layers'> {
  const tokens = geometry.grid.t * geometry.grid.h * geometry.grid.w;
  const base = { kind, inputWidth: geometry.featureWidth, tokens };
  if (kind === 'linear') return base;
  return {
    ...base,
    heads: poolerHeads(geometry.featureWidth),
    ...(kind === 'mlap' ? { layers: geometry.layers } : {}),
  };
}
