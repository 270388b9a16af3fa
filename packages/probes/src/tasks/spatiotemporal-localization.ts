import { type FrameBox, type FrameMapResult, frameMap } from '@vfmkit/metrics';
import { MOTION_CLASSES, type Synth4dSample } from '@vfmkit/synth4d';
import { ProbeError } from '../errors';
import { fourierFeatures, fourierWidth } from '../internal/fourier';
import {
  checkReadout,
  POOLER_READOUTS,
  poolerConfig,
  type ReadoutTask,
  type Synth4dTask,
  type TaskGeometry,
} from './task';

/** An actor box at a keyframe of a clip, normalised, with its action classes (AVA style). */
export interface KeyframeBox {
  /** Frame index in the clip as the encoder sees it, `[0, T)`. */
  readonly frame: number;
  /** `(x0, y0, x1, y1)` normalised to [0, 1]. */
  readonly box: readonly [number, number, number, number];
  /** Action class ids (one or more). */
  readonly labels: readonly number[];
}

/** Per-box class probabilities `[B, S, C]` (slots past a clip's boxes are zero). */
export interface ActorActionPredictions {
  readonly probs: Float32Array;
  readonly shape: readonly [number, number, number];
}

/** What a {@link spatiotemporalLocalizationTask} needs to know. */
export interface SpatiotemporalSpec<S> {
  readonly name: string;
  /** Number of classes C. */
  readonly classes: number;
  /** The actor boxes of a clip. */
  readonly boxesOf: (sample: S, geometry: TaskGeometry) => readonly KeyframeBox[];
  /** Query slots S: the most boxes a clip of this task can hold. */
  readonly slots: (samples: readonly S[], geometry: TaskGeometry) => number;
}

const BANDS = 4;
/** Box corners and keyframe time. */
const COORDS = 5;

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/**
 * Spatio-temporal action localization with given actor boxes (AVA's protocol as VideoGLUE and 4DS run
 * it with ground-truth boxes): one pooler query per box slot, conditioned on the Fourier features of
 * its normalised box and keyframe time, reads out the box's action classes, trained with sigmoid
 * cross-entropy (multi-label) on real boxes only. Each box becomes one scored detection per class;
 * scored with frame-mAP at IoU 0.5 (PASCAL VOC matching per keyframe).
 */
export function spatiotemporalLocalizationTask<S>(
  spec: SpatiotemporalSpec<S>,
): ReadoutTask<S, ActorActionPredictions, FrameMapResult> {
  const C = spec.classes;
  const boxesOf = (samples: readonly S[], geometry: TaskGeometry) => {
    const slots = spec.slots(samples, geometry);
    const all = samples.map((s, b) => {
      const boxes = spec.boxesOf(s, geometry);
      if (boxes.length > slots)
        throw new ProbeError(`${spec.name}: clip ${b} has ${boxes.length} boxes, more than ${slots} slots`, {
          what: 'boxes',
          index: b,
        });
      for (const k of boxes)
        if (!(k.frame >= 0 && k.frame < geometry.frames) || k.labels.some((l) => !(l >= 0 && l < C)))
          throw new ProbeError(
            `${spec.name}: clip ${b} has a box at frame ${k.frame} or with classes ${k.labels.join(',')} outside ${geometry.frames} frames x ${C} classes`,
            { what: 'boxes', index: b },
          );
      return boxes;
    });
    return { slots, all };
  };
  const task: ReadoutTask<S, ActorActionPredictions, FrameMapResult> = {
    name: spec.name,
    loss: 'sigmoid-cross-entropy',
    readouts: POOLER_READOUTS,
    headline: 'frameMap',
    scoreName: 'frame-mAP@0.5 x 100',
    headConfig(kind, geometry, samples) {
      checkReadout(task, kind);
      return {
        ...poolerConfig(kind, geometry),
        queries: spec.slots(samples, geometry),
        outputs: C,
        positional: true,
        conditionWidth: fourierWidth(COORDS, BANDS),
      };
    },
    condition(samples, geometry) {
      const { slots, all } = boxesOf(samples, geometry);
      const F = fourierWidth(COORDS, BANDS);
      const out = new Float32Array(samples.length * slots * F);
      all.forEach((boxes, b) => {
        boxes.forEach((k, j) => {
          const coords = [...k.box, (k.frame + 0.5) / geometry.frames];
          out.set(fourierFeatures(coords, COORDS, BANDS), (b * slots + j) * F);
        });
      });
      return { data: out, shape: [samples.length, slots, F] };
    },
    targetsFrom(samples, geometry) {
      const { slots, all } = boxesOf(samples, geometry);
      const targets = new Float32Array(samples.length * slots * C);
      const weights = new Float32Array(targets.length);
      all.forEach((boxes, b) => {
        boxes.forEach((k, j) => {
          const o = (b * slots + j) * C;
          weights.fill(1, o, o + C);
          for (const l of k.labels) targets[o + l] = 1;
        });
      });
      const shape = [samples.length, slots, C];
      return { targets: { data: targets, shape }, weights: { data: weights, shape } };
    },
    decode(outputs, samples, geometry) {
      const { slots, all } = boxesOf(samples, geometry);
      const probs = new Float32Array(samples.length * slots * C);
      all.forEach((boxes, b) => {
        for (let j = 0; j < boxes.length; j++)
          for (let c = 0; c < C; c++) {
            const o = (b * slots + j) * C + c;
            probs[o] = sigmoid(outputs.data[o]);
          }
      });
      return { probs, shape: [samples.length, slots, C] };
    },
    evaluate(pred, samples, geometry) {
      const { slots, all } = boxesOf(samples, geometry);
      const detections: FrameBox[] = [];
      const truth: FrameBox[] = [];
      all.forEach((boxes, b) => {
        boxes.forEach((k, j) => {
          const frame = `${b}@${k.frame}`;
          const box = [...k.box] as [number, number, number, number];
          for (const label of k.labels) truth.push({ frame, box, label });
          for (let c = 0; c < C; c++)
            detections.push({ frame, box, label: c, score: pred.probs[(b * slots + j) * C + c] });
        });
      });
      return frameMap(detections, truth, { numClasses: C });
    },
    metrics(m) {
      return [
        { name: 'frameMap', value: m.map, higherIsBetter: true },
        { name: 'classesEvaluated', value: m.classesEvaluated, higherIsBetter: true },
      ];
    },
    score: (m) => 100 * m.map,
  };
  return task;
}

/**
 * `synth4d/spatiotemporal`: the motion class each visible object performs at keyframes (every
 * `keyframeStride` frames), given its box: AVA on synth4d. Slots: keyframes x the preset's
 * `maxObjects`.
 */
export const spatiotemporalTask: Synth4dTask<ActorActionPredictions, FrameMapResult> = {
  ...spatiotemporalLocalizationTask<Synth4dSample>({
    name: 'synth4d/spatiotemporal',
    classes: MOTION_CLASSES.length,
    boxesOf: (s, geometry) =>
      s.actions.actorBoxes.map((a) => ({
        frame: a.frame,
        box: [
          a.box[0] / geometry.width,
          a.box[1] / geometry.height,
          a.box[2] / geometry.width,
          a.box[3] / geometry.height,
        ],
        labels: [a.label],
      })),
    slots: (samples) => {
      const c = samples[0]?.config;
      if (!c || samples.some((s) => s.config.maxObjects !== c.maxObjects || s.config.frames !== c.frames))
        throw new ProbeError('spatio-temporal localization needs samples of one preset and clip size', {
          what: 'samples',
        });
      return Math.ceil(c.frames / c.keyframeStride) * c.maxObjects;
    },
  }),
  task: 'spatiotemporal',
};
