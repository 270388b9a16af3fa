import { ConfigError } from '@vfmkit/core';
import { classificationTask, multiLabelClassificationTask } from './classification';
import { type KeyframeBox, spatiotemporalLocalizationTask } from './spatiotemporal-localization';
import type { ReadoutTask } from './task';
import { type FrameSegment, temporalLocalizationTask } from './temporal-localization';

/**
 * The labels of one video-manifest entry, as `@vfmkit/video`'s `ManifestEntry` holds them (times in
 * seconds, labels as vocabulary strings or numbers). Structural, so probes does not depend on video.
 */
export interface ManifestAnnotations {
  readonly label?: string | number;
  readonly labels?: readonly (string | number)[];
  readonly segments?: readonly {
    readonly start: number;
    readonly end: number;
    readonly label: string | number;
  }[];
  readonly boxes?: readonly {
    readonly time: number;
    readonly box: readonly [number, number, number, number];
    readonly labels: readonly (string | number)[];
  }[];
}

/** An entry's labels mapped onto a clip: class ids, and times turned into the clip's frame indices. */
export interface ManifestLabels {
  /** Class id of `label`, or -1 without one. */
  readonly label: number;
  /** Class ids of `labels` (multi-label). */
  readonly labels: readonly number[];
  /** `segments` as runs `[start, end)` of the clip's frames (segments no clip frame falls in are dropped). */
  readonly segments: readonly FrameSegment[];
  /** `boxes`, each on the clip frame nearest its time (boxes farther than one frame spacing are dropped). */
  readonly boxes: readonly KeyframeBox[];
}

/** The tasks a video manifest can define, and the entry field each reads. */
export const MANIFEST_TASKS = Object.freeze({
  classification: 'label',
  multilabel: 'labels',
  temporal: 'segments',
  spatiotemporal: 'boxes',
} as const);
/** A key of {@link MANIFEST_TASKS}. */
export type ManifestTaskName = keyof typeof MANIFEST_TASKS;

/**
 * True when `entry` has the field `task` reads. An empty list counts: an entry with `labels: []` or
 * `segments: []` is a clip with no positive label (a negative example), not a clip without data.
 */
export function hasManifestTask(task: ManifestTaskName, entry: ManifestAnnotations): boolean {
  return entry[MANIFEST_TASKS[task]] !== undefined;
}

/**
 * Maps an entry's labels onto a clip sampled at source frames `frames` of a video at `fps`: clip frame
 * `i` shows time `frames[i] / fps`; a segment `[s, e)` covers the clip frames whose time is in it; a box
 * goes to the nearest clip frame within one clip-frame spacing of its time (one source frame for a
 * one-frame clip); labels become class ids through `classOf` (e.g. the index in `@vfmkit/video`'s
 * `labelVocabulary(entries, { annotations: true })`).
 * @param frames `[T]` non-decreasing source frame indices.
 * @throws ConfigError for empty or decreasing `frames` or a non-positive `fps`.
 */
export function labelsOnClip(
  entry: ManifestAnnotations,
  frames: ArrayLike<number>,
  fps: number,
  classOf: (label: string | number) => number,
): ManifestLabels {
  if (!(fps > 0 && Number.isFinite(fps)))
    throw new ConfigError(`labelsOnClip: fps must be positive, got ${fps}`, { key: 'fps', value: fps });
  const times = Array.from(frames, (f) => f / fps);
  if (times.length === 0 || times.some((t, i) => !Number.isFinite(t) || (i > 0 && t < times[i - 1])))
    throw new ConfigError(
      `labelsOnClip: frames must be finite and non-decreasing, got [${Array.from(frames).join(', ')}]`,
      {
        key: 'frames',
      },
    );
  const spacing = times.length > 1 ? (times[times.length - 1] - times[0]) / (times.length - 1) : 1 / fps;
  const segments: FrameSegment[] = [];
  for (const s of entry.segments ?? []) {
    const inside = times.flatMap((t, i) => (t >= s.start - 1e-9 && t < s.end - 1e-9 ? [i] : []));
    if (inside.length > 0)
      segments.push({ start: inside[0], end: inside[inside.length - 1] + 1, label: classOf(s.label) });
  }
  const boxes: KeyframeBox[] = [];
  for (const b of entry.boxes ?? []) {
    let nearest = 0;
    times.forEach((t, i) => {
      if (Math.abs(t - b.time) < Math.abs(times[nearest] - b.time)) nearest = i;
    });
    if (Math.abs(times[nearest] - b.time) <= spacing + 1e-9)
      boxes.push({ frame: nearest, box: b.box, labels: b.labels.map(classOf) });
  }
  return {
    label: entry.label === undefined ? -1 : classOf(entry.label),
    labels: (entry.labels ?? []).map(classOf),
    segments,
    boxes,
  };
}

/**
 * The readout task of a manifest task over clips carrying {@link ManifestLabels}: `classification`
 * (top-1 of `label`), `multilabel` (mAP of `labels`), `temporal` (mAP@tIoU of `segments`),
 * `spatiotemporal` (frame-mAP of `boxes`, with `slots` box queries per clip), named `<dataset>/<task>`.
 * @param classes the vocabulary size C.
 * @param slots for `spatiotemporal`: the most boxes a clip can hold (default 1).
 * @throws ConfigError for an unknown task or a class count below 1.
 */
export function manifestTask<S extends ManifestLabels>(
  task: ManifestTaskName,
  spec: { readonly dataset: string; readonly classes: number; readonly slots?: number },
): ReadoutTask<S, unknown, unknown> {
  const { dataset, classes } = spec;
  if (!Number.isInteger(classes) || classes < 1)
    throw new ConfigError(`manifestTask: classes must be a positive integer, got ${classes}`, {
      key: 'classes',
      value: classes,
    });
  const name = `${dataset}/${task}`;
  switch (task) {
    case 'classification':
      return classificationTask<S>({ name, classes, labelOf: (s) => s.label }) as ReadoutTask<
        S,
        unknown,
        unknown
      >;
    case 'multilabel':
      return multiLabelClassificationTask<S>({ name, classes, labelsOf: (s) => s.labels }) as ReadoutTask<
        S,
        unknown,
        unknown
      >;
    case 'temporal':
      return temporalLocalizationTask<S>({ name, classes, segmentsOf: (s) => s.segments }) as ReadoutTask<
        S,
        unknown,
        unknown
      >;
    case 'spatiotemporal': {
      const slots = spec.slots ?? 1;
      return spatiotemporalLocalizationTask<S>({
        name,
        classes,
        boxesOf: (s) => s.boxes,
        slots: () => slots,
      }) as ReadoutTask<S, unknown, unknown>;
    }
    default:
      throw new ConfigError(
        `unknown manifest task "${String(task)}"; known: ${Object.keys(MANIFEST_TASKS).join(', ')}`,
        {
          key: 'task',
          value: task,
        },
      );
  }
}
