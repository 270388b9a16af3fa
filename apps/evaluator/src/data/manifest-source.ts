import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { ConfigError, Rng, VfmError } from '@vfmkit/core';
import {
  hasManifestTask,
  labelsOnClip,
  MANIFEST_TASKS,
  type ManifestTaskName,
  manifestTask,
  type ReadoutTask,
} from '@vfmkit/probes';
import {
  DecodePool,
  labelVocabulary,
  type ResolvedEntry,
  readManifest,
  type SkipReport,
} from '@vfmkit/video';
import { EvaluatorError, UnreadableVideosError } from '../errors';
import { decodeEntry, type ManifestClip } from './manifest-clips';
import type { TaskData, TaskSource } from './task-source';

/** Splits that count as test data; `train` is the training data. */
const TEST_SPLITS = ['val', 'validation', 'test'];

/**
 * Train and test entries: by each entry's `split` (`train`; `val` / `validation` / `test`) when any
 * entry has one, otherwise a seeded 75 / 25 split.
 */
export function splitEntries(entries: readonly ResolvedEntry[], seed: number) {
  if (entries.some((e) => e.split !== undefined))
    return {
      train: entries.filter((e) => e.split === 'train'),
      test: entries.filter((e) => e.split !== undefined && TEST_SPLITS.includes(e.split)),
    };
  const order = new Rng(seed).permutation(entries.length);
  const cut = Math.round(entries.length * 0.75);
  return {
    train: Array.from(order.subarray(0, cut), (i) => entries[i]),
    test: Array.from(order.subarray(cut), (i) => entries[i]),
  };
}

/**
 * The tasks of a video manifest (JSONL, `@vfmkit/video`'s schema) as task sources: `classification`
 * from `label`, `multilabel` from `labels`, `temporal` from `segments`, `spatiotemporal` from `boxes`, each over the entries that
 * have the field. Clips are decoded with ffmpeg at each encoder's clip size (T frames spread over the
 * entry's span, resized to H x W), two files at a time, once per size for all tasks. A video that
 * cannot be read (missing, truncated, not a video) is left out and listed in the task data's
 * `skipped` (`@vfmkit/video`'s `SkipReport`), unless `strict`.
 * @param tasks the tasks to run (default: every task the manifest has data for).
 * @param strict throw the first unreadable video's error instead of skipping it.
 * @throws EvaluatorError for a task the manifest has no data for, or an empty train or test split
 *   (also after skipping); ManifestError (from video) for a bad manifest; UnreadableVideosError when
 *   more than half of the videos cannot be read; VideoDecodeError with `strict`.
 */
export async function manifestSources(
  path: string,
  options: { tasks?: readonly string[]; seed: number; strict?: boolean },
): Promise<TaskSource[]> {
  const manifest = await readManifest(path);
  const digest = createHash('sha256').update(readFileSync(manifest.path)).digest('hex').slice(0, 16);
  const dataset = basename(manifest.path, extname(manifest.path));
  const vocabulary = labelVocabulary(manifest.entries, { annotations: true });
  const classOf = (label: string | number) => vocabulary.indexOf(String(label));
  const C = vocabulary.length;
  const has = hasManifestTask;
  const available = (Object.keys(MANIFEST_TASKS) as ManifestTaskName[]).filter((t) =>
    manifest.entries.some((e) => has(t, e)),
  );
  const wanted = options.tasks ?? available;
  for (const t of wanted)
    if (!available.includes(t as ManifestTaskName))
      throw new EvaluatorError(
        `manifest ${path} has no data for task "${t}" (it has: ${available.join(', ') || 'none'}; ` +
          `classification needs label, multilabel labels, temporal segments, spatiotemporal boxes)`,
        { what: 'tasks', value: t },
      );
  const { train, test } = splitEntries(manifest.entries, options.seed);
  const decoded = new Map<string, Promise<{ clips: (ManifestClip | undefined)[]; skipped: SkipReport[] }>>();
  const pool = new DecodePool(2);
  /** Every entry decoded at `clip` (shared by the tasks). */
  const decodeAll = (clip: readonly number[], log: (line: string) => void) => {
    const size = clip.join('x');
    let all = decoded.get(size);
    if (!all) {
      log(`decoding ${manifest.entries.length} videos of ${dataset} at ${clip.join(' x ')}`);
      const skipped: SkipReport[] = [];
      all = Promise.all(
        manifest.entries.map((entry) =>
          pool.run(async (): Promise<ManifestClip | undefined> => {
            try {
              const { rgb, frames, info } = await decodeEntry(entry, clip);
              return { rgb, ...labelsOnClip(entry, frames, info.fps, classOf) };
            } catch (e) {
              if (options.strict || !(e instanceof VfmError) || e instanceof ConfigError) throw e;
              const details = e.details as { reason?: string };
              skipped.push({
                path: entry.file,
                line: entry.line,
                epoch: 0,
                code: e.code,
                reason: String(details.reason ?? e.code),
                message: e.message,
              });
              log(`skipping ${entry.file} (manifest line ${entry.line}): ${e.message}`);
              return undefined;
            }
          }),
        ),
      ).then((clips) => {
        skipped.sort((a, b) => a.line - b.line);
        if (skipped.length * 2 > manifest.entries.length)
          throw new UnreadableVideosError(
            `${skipped.length} of the ${manifest.entries.length} videos of ${path} cannot be read:\n${skipped
              .map((s) => `  line ${s.line}: ${s.path}: ${s.reason}`)
              .join('\n')}`,
            { manifest: manifest.path, total: manifest.entries.length, skipped },
          );
        return { clips, skipped };
      });
      decoded.set(size, all);
    }
    return all;
  };
  // the most boxes an entry has (mapping boxes onto a clip can only drop some)
  const slots = Math.max(1, ...manifest.entries.map((e) => e.boxes?.length ?? 0));
  const taskOf = (t: ManifestTaskName): ReadoutTask<ManifestClip, unknown, unknown> =>
    manifestTask<ManifestClip>(t, { dataset, classes: C, slots });
  return wanted.map((name) => {
    const t = name as ManifestTaskName;
    const task = taskOf(t);
    const pick = (entries: readonly ResolvedEntry[]) => entries.filter((e) => has(t, e));
    const [trainEntries, testEntries] = [pick(train), pick(test)];
    if (trainEntries.length === 0 || testEntries.length === 0)
      throw new EvaluatorError(
        `manifest ${path}: task ${t} has ${trainEntries.length} train and ${testEntries.length} test videos; it needs both`,
        { what: 'manifest', value: t },
      );
    return {
      name: task.name,
      headline: task.headline,
      scoreName: task.scoreName,
      async load(clip, log): Promise<TaskData> {
        const all = await decodeAll(clip, log);
        const byEntry = new Map(manifest.entries.map((e, i) => [e, all.clips[i]]));
        const clipsOf = (entries: readonly ResolvedEntry[]) => entries.flatMap((e) => byEntry.get(e) ?? []);
        const [trainClips, testClips] = [clipsOf(trainEntries), clipsOf(testEntries)];
        if (trainClips.length === 0 || testClips.length === 0)
          throw new EvaluatorError(
            `manifest ${path}: task ${t} has ${trainClips.length} readable train and ${testClips.length} readable test videos; it needs both`,
            { what: 'manifest', value: t },
          );
        const mine = new Set([...trainEntries, ...testEntries].map((e) => e.line));
        return {
          task: task as TaskData['task'],
          train: trainClips,
          test: testClips,
          // the clips that were read are part of the cache key: skipping changes the data
          dataKey: `${dataset}@${digest}:${t}:${clip.join('x')}${all.skipped.length ? `:skip${all.skipped.map((s) => s.line).join('-')}` : ''}`,
          skipped: all.skipped.filter((s) => mine.has(s.line)),
        };
      },
    };
  });
}
