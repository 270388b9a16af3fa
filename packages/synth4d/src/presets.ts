import { ConfigError } from '@vfmkit/core';
import { parseSceneConfig, type SceneConfig, type SceneConfigInput } from './config';

/** Task presets, by short name; the full name is `synth4d/<name>`. */
export const TASKS = [
  'depth',
  'tracking',
  'boxes',
  'pose',
  'actions',
  'temporal',
  'spatiotemporal',
  'captions',
] as const;
export type TaskName = (typeof TASKS)[number];

export const SPLITS = ['train', 'val', 'test'] as const;
export type Split = (typeof SPLITS)[number];

/** A named task: its scene config and the ground truth its readouts use. */
export interface TaskPreset {
  /** e.g. `synth4d/tracking`. */
  readonly name: string;
  readonly task: TaskName;
  readonly description: string;
  /** Ground-truth fields the trainer and evaluator read for this task (shard tensor names). */
  readonly targets: readonly string[];
  readonly config: SceneConfigInput;
}

const base: SceneConfigInput = { width: 64, height: 64, frames: 16, minObjects: 1, maxObjects: 4 };

export const TASK_PRESETS: Readonly<Record<TaskName, TaskPreset>> = {
  depth: {
    name: 'synth4d/depth',
    task: 'depth',
    description: 'Per-pixel z-depth from RGB.',
    targets: ['depth'],
    config: { ...base, maxObjects: 6, queries: 0 },
  },
  tracking: {
    name: 'synth4d/tracking',
    task: 'tracking',
    description: 'TAP-Vid style point tracking (strided queries every 5 frames) with occlusion.',
    targets: ['tracks', 'occluded', 'query_points'],
    config: { ...base, queries: 64, queryMode: 'strided', queryStride: 5 },
  },
  boxes: {
    name: 'synth4d/boxes',
    task: 'boxes',
    description: 'Object box tracking: a box per object per frame, with visibility.',
    targets: ['boxes', 'box_visible'],
    config: { ...base, maxObjects: 6, queries: 0 },
  },
  pose: {
    name: 'synth4d/pose',
    task: 'pose',
    description: 'Camera pose: world-to-camera extrinsics per frame and intrinsics.',
    targets: ['extrinsics', 'intrinsics'],
    config: { ...base, queries: 0, cameraMotions: ['pan', 'orbit', 'dolly', 'shake'] },
  },
  actions: {
    name: 'synth4d/actions',
    task: 'actions',
    description: "Clip classification: the actor's (object 1) motion class, one motion per object.",
    targets: ['clip_label'],
    config: { ...base, maxObjects: 3, maxSegments: 1, queries: 0 },
  },
  temporal: {
    name: 'synth4d/temporal',
    task: 'temporal',
    description: 'Temporal localization: motion segments (start, end, class) with several per object.',
    targets: ['segments'],
    config: { ...base, frames: 32, maxObjects: 2, maxSegments: 4, queries: 0 },
  },
  spatiotemporal: {
    name: 'synth4d/spatiotemporal',
    task: 'spatiotemporal',
    description:
      'Spatio-temporal localization: actor boxes with motion labels at keyframes (every 4 frames).',
    targets: ['actor_boxes'],
    config: { ...base, maxSegments: 2, queries: 0, keyframeStride: 4 },
  },
  captions: {
    name: 'synth4d/captions',
    task: 'captions',
    description: 'Video-text pairs: a template caption of objects, colors, motions and camera motion.',
    targets: ['caption'],
    config: { ...base, maxObjects: 3, maxSegments: 2, queries: 0 },
  },
};

/** Difficulty knobs applied over a preset (and any other config key). */
export interface Difficulty extends SceneConfigInput {
  /** Exact object count (sets minObjects = maxObjects). */
  objects?: number;
  /** Square image size (sets width = height). */
  size?: number;
}

/** The preset of a task name (`tracking` or `synth4d/tracking`). @throws ConfigError for an unknown task. */
export function taskPreset(name: string): TaskPreset {
  const short = name.startsWith('synth4d/') ? name.slice('synth4d/'.length) : name;
  if (!(TASKS as readonly string[]).includes(short)) {
    throw new ConfigError(`unknown synth4d task "${name}"; known: ${TASKS.join(', ')}`, {
      key: 'task',
      value: name,
      known: [...TASKS],
    });
  }
  return TASK_PRESETS[short as TaskName];
}

/**
 * The validated scene config of a task with difficulty knobs applied.
 * @example taskConfig('tracking', { size: 128, frames: 24, objects: 6, speed: 1.5 })
 * @throws ConfigError for an unknown task or a bad knob.
 */
export function taskConfig(name: string, knobs: Difficulty = {}): SceneConfig {
  const preset = taskPreset(name);
  const { objects, size, ...rest } = knobs;
  const merged: SceneConfigInput = { ...preset.config, ...rest };
  if (objects !== undefined) {
    merged.minObjects = objects;
    merged.maxObjects = objects;
  }
  if (size !== undefined) {
    merged.width = size;
    merged.height = size;
  }
  return parseSceneConfig(merged);
}

const SPLIT_BASE: Record<Split, number> = { train: 0, val: 2 ** 30, test: 2 ** 30 + 2 ** 29 };
const SPLIT_SIZE: Record<Split, number> = { train: 2 ** 30, val: 2 ** 29, test: 2 ** 29 };

/**
 * The seed of clip `index` of a split. Train seeds are [0, 2^30), val [2^30, 2^30 + 2^29), test
 * [2^30 + 2^29, 2^31): disjoint by construction.
 * @throws ConfigError for an unknown split or an index outside the split's range.
 */
export function splitSeed(split: Split, index: number): number {
  if (!(SPLITS as readonly string[]).includes(split)) {
    throw new ConfigError(`unknown split "${split}"; known: ${SPLITS.join(', ')}`, {
      key: 'split',
      value: split,
    });
  }
  if (!Number.isInteger(index) || index < 0 || index >= SPLIT_SIZE[split]) {
    throw new ConfigError(
      `clip index must be an integer in [0, ${SPLIT_SIZE[split]}) for ${split}, got ${index}`,
      {
        key: 'index',
        value: index,
      },
    );
  }
  return SPLIT_BASE[split] + index;
}
