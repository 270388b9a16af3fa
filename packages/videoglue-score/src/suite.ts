import { ConfigError, parseConfig } from '@vfmkit/core';
import { z } from 'zod';
import { BUILTIN_METHODS, type SuiteMethod } from './methods';
import { type TaskGroup, VIDEOGLUE_TASK_GROUPS } from './task-groups';

/**
 * What a VGS is computed over: task groups (with their datasets) and adaptation methods. Every
 * method of the suite enters the score, so a model needs results and a cost for each.
 */
export interface VgsSuite {
  readonly name: string;
  readonly groups: readonly TaskGroup[];
  readonly methods: readonly SuiteMethod[];
}

const idSchema = z.string().min(1);
const suiteSchema = z.object({
  name: z.string().min(1),
  groups: z
    .array(
      z.object({
        id: idSchema,
        label: z.string(),
        datasets: z.array(idSchema).min(1),
        metric: z.string().optional(),
      }),
    )
    .min(1),
  methods: z.array(z.object({ id: idSchema, label: z.string(), description: z.string() })).min(1),
});

/**
 * Validates and freezes a suite: at least one group and one method, unique group and method ids,
 * every dataset in exactly one group.
 * @throws ConfigError naming the offending key.
 * @example
 * const fourD = defineSuite({
 *   name: '4D',
 *   groups: [{ id: 'depth', label: 'depth', datasets: ['ScanNet-depth'] }, ...],
 *   methods: BUILTIN_METHODS.filter((m) => m.id === 'frozen' || m.id === 'e2e'),
 * });
 */
export function defineSuite(input: VgsSuite): VgsSuite {
  parseConfig(suiteSchema, input, 'VGS suite', { root: 'suite' });
  const seen = new Map<string, string>();
  const groupIds = new Set<string>();
  for (const group of input.groups) {
    if (groupIds.has(group.id)) {
      throw new ConfigError(`VGS suite: duplicate task group "${group.id}"`, { key: `groups.${group.id}` });
    }
    groupIds.add(group.id);
    for (const dataset of group.datasets) {
      const other = seen.get(dataset);
      if (other !== undefined) {
        throw new ConfigError(`VGS suite: dataset "${dataset}" is in groups "${other}" and "${group.id}"`, {
          key: `groups.${group.id}.datasets`,
          dataset,
        });
      }
      seen.set(dataset, group.id);
    }
  }
  const methodIds = new Set<string>();
  for (const method of input.methods) {
    if (methodIds.has(method.id)) {
      throw new ConfigError(`VGS suite: duplicate method "${method.id}"`, { key: `methods.${method.id}` });
    }
    methodIds.add(method.id);
  }
  return Object.freeze({
    name: input.name,
    groups: Object.freeze(
      input.groups.map((g) => Object.freeze({ ...g, datasets: Object.freeze([...g.datasets]) })),
    ),
    methods: Object.freeze(input.methods.map((m) => Object.freeze({ ...m }))),
  });
}

/** VideoGLUE: five task groups over eight datasets, four adaptation methods. */
export const VIDEOGLUE_SUITE: VgsSuite = defineSuite({
  name: 'VideoGLUE',
  groups: VIDEOGLUE_TASK_GROUPS,
  methods: BUILTIN_METHODS,
});

/**
 * Registers custom adaptation methods: a new suite with `methods` appended (or replacing a method of
 * the same id). The input suite is unchanged.
 */
export function withMethods(suite: VgsSuite, methods: readonly SuiteMethod[]): VgsSuite {
  const ids = new Set(methods.map((m) => m.id));
  return defineSuite({ ...suite, methods: [...suite.methods.filter((m) => !ids.has(m.id)), ...methods] });
}

/** Registers custom task groups: a new suite with `groups` appended. */
export function withGroups(suite: VgsSuite, groups: readonly TaskGroup[]): VgsSuite {
  return defineSuite({ ...suite, groups: [...suite.groups, ...groups] });
}

const groupIndexCache = new WeakMap<VgsSuite, ReadonlyMap<string, number>>();

/** Map from dataset name to the index of its group in `suite.groups` (cached per suite). */
export function datasetGroupIndex(suite: VgsSuite): ReadonlyMap<string, number> {
  let map = groupIndexCache.get(suite);
  if (map === undefined) {
    const m = new Map<string, number>();
    suite.groups.forEach((group, i) => {
      for (const d of group.datasets) m.set(d, i);
    });
    map = m;
    if (Object.isFrozen(suite)) groupIndexCache.set(suite, map);
  }
  return map;
}

/** Map from dataset name to its group id. */
export function datasetGroups(suite: VgsSuite): ReadonlyMap<string, string> {
  const map = new Map<string, string>();
  for (const [d, i] of datasetGroupIndex(suite)) map.set(d, suite.groups[i].id);
  return map;
}
