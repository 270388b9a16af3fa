import { ConfigError } from '@vfmkit/core';
import { actionsTask } from './actions';
import { boxTrackingTask } from './box-tracking';
import { cameraPoseTask } from './camera-pose';
import { depthTask } from './depth';
import { pointTrackingTask } from './point-tracking';
import { spatiotemporalTask } from './spatiotemporal-localization';
import type { Synth4dTask } from './task';
import { temporalTask } from './temporal-localization';

/** The task heads by short name (the synth4d preset of each is `synth4d/<name>`). */
export const SYNTH4D_TASK_HEADS: Readonly<Record<string, Synth4dTask<unknown, unknown>>> = Object.freeze({
  actions: actionsTask as Synth4dTask<unknown, unknown>,
  depth: depthTask as Synth4dTask<unknown, unknown>,
  tracking: pointTrackingTask as Synth4dTask<unknown, unknown>,
  boxes: boxTrackingTask as Synth4dTask<unknown, unknown>,
  pose: cameraPoseTask as Synth4dTask<unknown, unknown>,
  temporal: temporalTask as Synth4dTask<unknown, unknown>,
  spatiotemporal: spatiotemporalTask as Synth4dTask<unknown, unknown>,
});

/**
 * The synth4d task lists, defined once (the evaluator's `--suite` reads them from here):
 * - `4d`: depth, point tracking, box tracking, camera pose (4DS's readouts);
 * - `videoglue`: clip classification, temporal and spatio-temporal action localization (VideoGLUE's
 *   task families);
 * - `all`: every synth4d task with a probe head.
 * synth4d's `captions` preset is in no suite: it feeds video-text training (videoprism-distill) and has
 * no probe head.
 */
export const SYNTH4D_SUITES = Object.freeze({
  '4d': Object.freeze(['depth', 'tracking', 'boxes', 'pose'] as const),
  videoglue: Object.freeze(['actions', 'temporal', 'spatiotemporal'] as const),
  all: Object.freeze([
    'actions',
    'temporal',
    'spatiotemporal',
    'depth',
    'tracking',
    'boxes',
    'pose',
  ] as const),
});
/** A key of {@link SYNTH4D_SUITES}. */
export type Synth4dSuiteName = keyof typeof SYNTH4D_SUITES;

/**
 * The task head of a name (`depth` or `synth4d/depth`).
 * @throws ConfigError for a task without a head here.
 */
export function synth4dTaskHead(name: string): Synth4dTask<unknown, unknown> {
  const short = name.startsWith('synth4d/') ? name.slice('synth4d/'.length) : name;
  const task = SYNTH4D_TASK_HEADS[short];
  if (!task)
    throw new ConfigError(
      `no task head for "${name}"; known: ${Object.keys(SYNTH4D_TASK_HEADS).join(', ')}`,
      { key: 'task', value: name, known: Object.keys(SYNTH4D_TASK_HEADS) },
    );
  return task;
}
