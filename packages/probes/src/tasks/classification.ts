import {
  type ClassificationResult,
  classificationAccuracy,
  type MultiLabelMapResult,
  multiLabelMap,
} from '@vfmkit/metrics';
import type { ArrayWithShape } from '../cache/feature-rows';
import { ProbeError } from '../errors';
import type { ProbeHeadConfigInput } from '../heads/config';
import { ALL_READOUTS, poolerConfig, type ReadoutKind, type ReadoutTask, type TaskGeometry } from './task';

/** Logits `[B, C]`. */
export interface ClassPredictions {
  readonly logits: Float32Array;
  readonly shape: readonly [number, number];
}

/** Classification result plus the majority-class rate of the scored set (the chance level to beat). */
export interface ClassificationTaskMetrics extends ClassificationResult {
  /** Fraction of the most frequent true class: what always predicting it would score. */
  majority: number;
}

/** A clip-level head with C outputs: the mean token for `linear`, one query for the poolers. */
function pooledHeadConfig(kind: ReadoutKind, geometry: TaskGeometry, C: number): ProbeHeadConfigInput {
  return {
    ...poolerConfig(kind, geometry),
    outputs: C,
    ...(kind === 'linear' ? { pool: 'mean' as const } : { queries: 1 }),
  };
}

/** What a {@link classificationTask} needs to know. */
export interface ClassificationTaskSpec<S> {
  readonly name: string;
  /** Number of classes C. */
  readonly classes: number;
  /** The class id of a clip, in [0, C). */
  readonly labelOf: (sample: S) => number;
}

/**
 * A single-label clip classification task (VideoGLUE's K400 / SSv2 style): a pooled readout (mean
 * token for `linear`, one query for the poolers) gives `C` logits, trained with softmax cross-entropy
 * and scored by top-1 / top-5 accuracy, with the majority-class rate as the chance level.
 */
export function classificationTask<S>(
  spec: ClassificationTaskSpec<S>,
): ReadoutTask<S, ClassPredictions, ClassificationTaskMetrics> {
  const C = spec.classes;
  const labelsOf = (samples: readonly S[]): Int32Array =>
    Int32Array.from(samples, (s, i) => {
      const label = spec.labelOf(s);
      if (!Number.isInteger(label) || label < 0 || label >= C)
        throw new ProbeError(`${spec.name}: clip ${i} has label ${label}, outside [0, ${C})`, {
          what: 'label',
          index: i,
          value: label,
        });
      return label;
    });
  return {
    name: spec.name,
    loss: 'softmax-cross-entropy',
    readouts: ALL_READOUTS,
    headline: 'top1',
    scoreName: 'top-1 x 100',
    headConfig: (kind, geometry) => pooledHeadConfig(kind, geometry, C),
    targetsFrom(samples) {
      return { targets: { data: labelsOf(samples), shape: [samples.length, 1] } };
    },
    decode(outputs: ArrayWithShape) {
      return { logits: outputs.data, shape: [outputs.shape[0], C] };
    },
    evaluate(pred, samples) {
      const labels = labelsOf(samples);
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
}

/** What a {@link multiLabelClassificationTask} needs to know. */
export interface MultiLabelTaskSpec<S> {
  readonly name: string;
  /** Number of classes C. */
  readonly classes: number;
  /** The class ids of a clip (any number, each in [0, C)). */
  readonly labelsOf: (sample: S) => readonly number[];
}

/**
 * A multi-label clip classification task (VideoGLUE's Charades style): a pooled readout gives `C`
 * logits, trained with sigmoid cross-entropy on multi-hot targets and scored by mAP over the classes
 * with at least one positive.
 */
export function multiLabelClassificationTask<S>(
  spec: MultiLabelTaskSpec<S>,
): ReadoutTask<S, ClassPredictions, MultiLabelMapResult> {
  const C = spec.classes;
  const multiHot = (samples: readonly S[]): Float32Array => {
    const out = new Float32Array(samples.length * C);
    samples.forEach((s, i) => {
      for (const label of spec.labelsOf(s)) {
        if (!Number.isInteger(label) || label < 0 || label >= C)
          throw new ProbeError(`${spec.name}: clip ${i} has label ${label}, outside [0, ${C})`, {
            what: 'labels',
            index: i,
            value: label,
          });
        out[i * C + label] = 1;
      }
    });
    return out;
  };
  return {
    name: spec.name,
    loss: 'sigmoid-cross-entropy',
    readouts: ALL_READOUTS,
    headline: 'mAP',
    scoreName: 'mAP x 100',
    headConfig: (kind, geometry) => pooledHeadConfig(kind, geometry, C),
    targetsFrom(samples) {
      return { targets: { data: multiHot(samples), shape: [samples.length, 1, C] } };
    },
    decode(outputs: ArrayWithShape) {
      return { logits: outputs.data, shape: [outputs.shape[0], C] };
    },
    evaluate(pred, samples) {
      return multiLabelMap(pred.logits, pred.shape, multiHot(samples));
    },
    metrics(m) {
      return [
        { name: 'mAP', value: m.map, higherIsBetter: true },
        { name: 'classesEvaluated', value: m.classesEvaluated, higherIsBetter: true },
      ];
    },
    score: (m) => 100 * m.map,
  };
}
