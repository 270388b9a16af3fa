import { MOTION_CLASSES, type Synth4dSample } from '@vfmkit/synth4d';
import type { ArrayWithShape } from '../heads/train';
import { type ClassificationResult, classificationAccuracy } from '../metrics/classification';
import { poolerConfig, type Synth4dTask } from './task';

/** Logits `[B, C]` over the motion classes. */
export interface ActionPredictions {
  readonly logits: Float32Array;
  readonly shape: readonly [number, number];
}

/** Classification result plus the majority-class rate of the scored set (the chance level to beat). */
export interface ActionMetrics extends ClassificationResult {
  /** Fraction of the most frequent true class: what always predicting it would score. */
  majority: number;
}

const C = MOTION_CLASSES.length;

/**
 * `synth4d/actions`: the actor's (object 1) dominant motion class, one of {@link MOTION_CLASSES}
 * (6 classes), from a pooled readout; top-1 / top-5 accuracy.
 */
export const actionsTask: Synth4dTask<ActionPredictions, ActionMetrics> = {
  name: 'synth4d/actions',
  task: 'actions',
  loss: 'softmax-cross-entropy',
  headline: 'top1',
  scoreName: 'top-1 x 100',
  headConfig(kind, geometry) {
    const base = poolerConfig(kind, geometry);
    return { ...base, outputs: C, ...(kind === 'linear' ? { pool: 'mean' as const } : { queries: 1 }) };
  },
  targetsFrom(samples) {
    return {
      targets: { data: Int32Array.from(samples, (s) => s.actions.clipLabel), shape: [samples.length, 1] },
    };
  },
  decode(outputs: ArrayWithShape) {
    return { logits: outputs.data, shape: [outputs.shape[0], C] };
  },
  evaluate(pred, samples) {
    const labels = Int32Array.from(samples, (s) => s.actions.clipLabel);
    const counts = new Array<number>(C).fill(0);
    for (const l of labels) counts[l]++;
    return {
      ...classificationAccuracy(pred.logits, pred.shape, labels),
      majority: Math.max(...counts) / Math.max(1, labels.length),
    };
  },
  metrics(m) {
    return [
      { name: 'top1', value: m.top1, higherIsBetter: true },
      { name: 'top5', value: m.top5, higherIsBetter: true },
      { name: 'majority', value: m.majority, higherIsBetter: true },
    ];
  },
  score: (m) => 100 * m.top1,
};

/** Clip labels of samples, `[B]` (for callers that score their own logits). */
export function actionLabelsOf(samples: readonly Synth4dSample[]): Int32Array {
  return Int32Array.from(samples, (s) => s.actions.clipLabel);
}
