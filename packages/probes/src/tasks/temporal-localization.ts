import {
  type LabeledSegment,
  segmentsFromFrameScores,
  type TemporalLocalizationResult,
  temporalLocalizationMap,
  temporalNms,
} from '@vfmkit/metrics';
import type { Synth4dSample } from '@vfmkit/synth4d';
import { MOTION_CLASSES } from '@vfmkit/synth4d';
import { ProbeError } from '../errors';
import {
  ALL_READOUTS,
  checkReadout,
  poolerConfig,
  type ReadoutTask,
  type Synth4dTask,
  type TaskGeometry,
} from './task';

/** A ground-truth segment of a clip in frames: `[start, end)` with its class. */
export interface FrameSegment {
  readonly start: number;
  readonly end: number;
  readonly label: number;
}

/** Per-frame class probabilities `[B, T, C]` and the scored segments detected from them. */
export interface TemporalPredictions {
  readonly scores: Float32Array;
  readonly shape: readonly [number, number, number];
  /** Detections (video = clip index in the batch, times in frames). */
  readonly detections: LabeledSegment[];
}

/** Temporal localization mAP plus per-frame top-1: the share of labelled frames whose best class is one of theirs. */
export interface TemporalTaskMetrics extends TemporalLocalizationResult {
  frameTop1: number;
}

/** What a {@link temporalLocalizationTask} needs to know. */
export interface TemporalLocalizationSpec<S> {
  readonly name: string;
  /** Number of classes C. */
  readonly classes: number;
  /** Ground-truth segments of a clip, in frames of the clip as the encoder sees it. */
  readonly segmentsOf: (sample: S, geometry: TaskGeometry) => readonly FrameSegment[];
}

/** Score thresholds whose runs of frames become candidate segments. */
const PROPOSAL_THRESHOLDS = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];
/** Candidates of one class overlapping a higher-scored one by more than this tIoU are dropped. */
const NMS_TIOU = 0.6;

function framesPerToken(name: string, geometry: TaskGeometry): number {
  const ft = geometry.frames / geometry.grid.t;
  if (!Number.isInteger(ft))
    throw new ProbeError(
      `${name}: ${geometry.frames} frames do not split into ${geometry.grid.t} temporal tokens`,
      { what: 'geometry' },
    );
  return ft;
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/**
 * Temporal action localization (VideoGLUE's ActivityNet protocol on per-time features): the head
 * reads out per-frame class scores, one output row per temporal token: a pooler query each
 * (`attentive`, `mlap`, with a learned positional encoding) or the mean token of the time step
 * (`linear`, `pool: 'time'`), each row holding the sigmoid logits of that time step's frames. Trained with sigmoid
 * cross-entropy on per-frame multi-hot targets. Decoding thresholds the scores at 0.1, 0.2, ..., 0.9,
 * takes each run of frames above a threshold as a candidate segment scored by its mean score, and
 * keeps candidates after per-class NMS at tIoU 0.6. Scored with mAP averaged over tIoU 0.5:0.05:0.95
 * (headline) and per-frame top-1.
 */
export function temporalLocalizationTask<S>(
  spec: TemporalLocalizationSpec<S>,
): ReadoutTask<S, TemporalPredictions, TemporalTaskMetrics> {
  const C = spec.classes;
  const groundTruth = (samples: readonly S[], geometry: TaskGeometry): LabeledSegment[] =>
    samples.flatMap((s, b) =>
      spec.segmentsOf(s, geometry).map((g, i) => {
        if (!(g.start >= 0 && g.end <= geometry.frames && g.end > g.start) || !(g.label >= 0 && g.label < C))
          throw new ProbeError(
            `${spec.name}: clip ${b} segment ${i} [${g.start}, ${g.end}) class ${g.label} is outside ${geometry.frames} frames x ${C} classes`,
            { what: 'segments', index: b },
          );
        return { video: b, start: g.start, end: g.end, label: g.label };
      }),
    );
  const task: ReadoutTask<S, TemporalPredictions, TemporalTaskMetrics> = {
    name: spec.name,
    loss: 'sigmoid-cross-entropy',
    readouts: ALL_READOUTS,
    headline: 'mAP',
    scoreName: 'mAP@tIoU 0.5:0.95 x 100',
    headConfig(kind, geometry) {
      checkReadout(task, kind);
      const outputs = framesPerToken(spec.name, geometry) * C;
      if (kind === 'linear')
        return { ...poolerConfig(kind, geometry), outputs, pool: 'time', timeSteps: geometry.grid.t };
      return { ...poolerConfig(kind, geometry), outputs, queries: geometry.grid.t, positional: true };
    },
    targetsFrom(samples, geometry) {
      const T = geometry.frames;
      const perFrame = new Float32Array(samples.length * T * C);
      for (const g of groundTruth(samples, geometry))
        for (let f = g.start; f < g.end; f++) perFrame[((g.video as number) * T + f) * C + g.label] = 1;
      return {
        targets: { data: perFrame, shape: [samples.length, geometry.grid.t, (T / geometry.grid.t) * C] },
      };
    },
    decode(outputs, samples, geometry) {
      const T = geometry.frames;
      // rows are time steps, each holding its ft frames' C logits: [B, Tt, ft * C] = [B, T, C]
      const scores = Float32Array.from(outputs.data, sigmoid);
      const detections: LabeledSegment[] = [];
      for (let b = 0; b < samples.length; b++) {
        const clip = scores.subarray(b * T * C, (b + 1) * T * C);
        const candidates = PROPOSAL_THRESHOLDS.flatMap((threshold) =>
          segmentsFromFrameScores(clip, [T, C], { video: b, threshold }),
        );
        detections.push(...temporalNms(candidates, NMS_TIOU));
      }
      return { scores, shape: [samples.length, T, C], detections };
    },
    evaluate(pred, samples, geometry) {
      const truth = groundTruth(samples, geometry);
      const T = geometry.frames;
      const labelled = new Map<number, Set<number>>(); // frame (b * T + f) -> its classes
      for (const g of truth)
        for (let f = g.start; f < g.end; f++) {
          const at = (g.video as number) * T + f;
          labelled.set(at, (labelled.get(at) ?? new Set()).add(g.label));
        }
      let hits = 0;
      for (const [at, classes] of labelled) {
        let best = 0;
        for (let c = 1; c < C; c++) if (pred.scores[at * C + c] > pred.scores[at * C + best]) best = c;
        if (classes.has(best)) hits++;
      }
      return {
        ...temporalLocalizationMap(pred.detections, truth, { numClasses: C }),
        frameTop1: labelled.size > 0 ? hits / labelled.size : Number.NaN,
      };
    },
    metrics(m) {
      return [
        { name: 'mAP', value: m.map, higherIsBetter: true },
        { name: 'mAP@0.5', value: m.mapPerThreshold[0], higherIsBetter: true },
        { name: 'mAP@0.75', value: m.mapPerThreshold[5], higherIsBetter: true },
        { name: 'frameTop1', value: m.frameTop1, higherIsBetter: true },
      ];
    },
    score: (m) => 100 * m.map,
  };
  return task;
}

/**
 * `synth4d/temporal`: when the actor (object 1) performs which motion: its motion segments (several
 * per clip, each one of {@link MOTION_CLASSES}) localized in time.
 */
export const temporalTask: Synth4dTask<TemporalPredictions, TemporalTaskMetrics> = {
  ...temporalLocalizationTask<Synth4dSample>({
    name: 'synth4d/temporal',
    classes: MOTION_CLASSES.length,
    segmentsOf: (s) => s.actions.segments.filter((g) => g.objectId === 1),
  }),
  task: 'temporal',
};
