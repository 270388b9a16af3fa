import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { ConfigError, Rng, VfmError } from '@vfmkit/core';
import {
  hasManifestTask,
  labelsOnClip,
  MANIFEST_TASKS,
  type ManifestLabels,
  type ManifestTaskName,
  manifestTask,
} from '@vfmkit/probes';
import {
  DecodePool,
  labelVocabulary,
  probeVideo,
  type ResolvedEntry,
  readManifest,
  type SkipReport,
  type VideoInfo,
} from '@vfmkit/video';
import { EvaluatorError, UnreadableVideosError } from '../errors';
import { clipFrames, decodeEntry } from './manifest-clips';
import type { ClipSet, TaskData, TaskSource } from './task-source';

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

/** What probing every entry of a manifest found: each entry's video info, or undefined where it was skipped. */
interface Probed {
  readonly infos: readonly (VideoInfo | undefined)[];
  readonly skipped: readonly SkipReport[];
}

/**
 * The tasks of a video manifest (JSONL, `@vfmkit/video`'s schema) as task sources: `classification`
 * from `label`, `multilabel` from `labels`, `temporal` from `segments`, `spatiotemporal` from `boxes`, each over the entries that
 * have the field. Every video is probed once (ffprobe, two at a time); a video that cannot be read
 * (missing, truncated, not a video) is left out and listed in the task data's `skipped`
 * (`@vfmkit/video`'s `SkipReport`), unless `strict`. The readable videos form one clip set per encoder
 * clip size that all tasks share (each clip is embedded once): clips are decoded on demand with ffmpeg
 * (T frames spread over the entry's span, resized to H x W) while the encoder runs, so no more than a few
 * batches of pixels are held, however long the manifest. Labels are mapped onto each clip's frames from
 * the probe alone.
 * @param tasks the tasks to run (default: every task the manifest has data for).
 * @param strict throw the first unreadable video's error instead of skipping it.
 * @throws EvaluatorError for a task the manifest has no data for, or an empty train or test split
 *   (also after skipping); ManifestError (from video) for a bad manifest; UnreadableVideosError when
 *   more than half of the videos cannot be read, or when a video that probed fine fails to decode
 *   (while embedding; the shards embedded so far are kept); VideoDecodeError with `strict`.
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
  const index = new Map(manifest.entries.map((e, i) => [e, i]));
  let probing: Promise<Probed> | undefined;
  /** Every entry's video info, probed once for all clip sizes and tasks. */
  const probeAll = (log: (line: string) => void) => {
    probing ??= probeEntries(manifest.entries, {
      path,
      manifest: manifest.path,
      strict: options.strict,
      log,
    });
    return probing;
  };
  const sets = new Map<string, ClipSet & { rowOf: Map<number, number> }>();
  /** The readable entries as one clip set at `clip`, decoded on demand. */
  const clipSet = (clip: readonly number[], probed: Probed) => {
    const size = clip.join('x');
    let set = sets.get(size);
    if (!set) {
      const readable = manifest.entries.flatMap((e, i) => (probed.infos[i] ? [i] : []));
      const skip = probed.skipped.length ? `:skip${probed.skipped.map((s) => s.line).join('-')}` : '';
      set = {
        // the clips that were read are part of the key: skipping changes the data
        dataKey: `${dataset}@${digest}:${size}${skip}`,
        count: readable.length,
        prefetch: 1,
        rowOf: new Map(readable.map((entryIndex, row) => [entryIndex, row])),
        async clipAt(row) {
          const entry = manifest.entries[readable[row]];
          try {
            return await decodeEntry(entry, clip, probed.infos[readable[row]]);
          } catch (e) {
            if (!(e instanceof VfmError) || e instanceof ConfigError) throw e;
            const report = skipReport(entry, e);
            throw new UnreadableVideosError(
              `${entry.file} (manifest line ${entry.line}) was probed but cannot be decoded: ${e.message}. ` +
                'Fix or remove the entry; the features embedded so far are kept.',
              { manifest: manifest.path, total: manifest.entries.length, skipped: [report] },
              { cause: e },
            );
          }
        },
      };
      sets.set(size, set);
    }
    return set;
  };
  // the most boxes an entry has (mapping boxes onto a clip can only drop some)
  const slots = Math.max(1, ...manifest.entries.map((e) => e.boxes?.length ?? 0));
  return wanted.map((name) => {
    const t = name as ManifestTaskName;
    const task = manifestTask<ManifestLabels>(t, { dataset, classes: C, slots });
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
        const probed = await probeAll(log);
        const clips = clipSet(clip, probed);
        const split = (entries: readonly ResolvedEntry[]) => {
          const read = entries.filter((e) => probed.infos[index.get(e) as number]);
          return {
            clips,
            rows: read.map((e) => clips.rowOf.get(index.get(e) as number) as number),
            samples: read.map((e) => {
              const info = probed.infos[index.get(e) as number] as VideoInfo;
              return labelsOnClip(e, clipFrames(e, info, clip[0]), info.fps, classOf);
            }),
          };
        };
        const [trainSplit, testSplit] = [split(trainEntries), split(testEntries)];
        if (trainSplit.rows.length === 0 || testSplit.rows.length === 0)
          throw new EvaluatorError(
            `manifest ${path}: task ${t} has ${trainSplit.rows.length} readable train and ${testSplit.rows.length} readable test videos; it needs both`,
            { what: 'manifest', value: t },
          );
        const mine = new Set([...trainEntries, ...testEntries].map((e) => e.line));
        return {
          task: task as TaskData['task'],
          train: trainSplit,
          test: testSplit,
          skipped: probed.skipped.filter((s) => mine.has(s.line)),
        };
      },
    };
  });
}

/** A skip report for an entry whose video failed with `e`. */
function skipReport(entry: ResolvedEntry, e: VfmError): SkipReport {
  const details = e.details as { reason?: string };
  return {
    path: entry.file,
    line: entry.line,
    epoch: 0,
    code: e.code,
    reason: String(details.reason ?? e.code),
    message: e.message,
  };
}

/**
 * Probes every entry's video (ffprobe, two at a time). An unreadable one is skipped and logged, or with
 * `strict` fails the call.
 * @throws UnreadableVideosError when more than half cannot be read; VideoDecodeError with `strict`.
 */
async function probeEntries(
  entries: readonly ResolvedEntry[],
  o: { path: string; manifest: string; strict?: boolean; log: (line: string) => void },
): Promise<Probed> {
  o.log(`probing ${entries.length} videos of ${o.path}`);
  const pool = new DecodePool(2);
  const skipped: SkipReport[] = [];
  const infos = await Promise.all(
    entries.map((entry) =>
      pool.run(async (): Promise<VideoInfo | undefined> => {
        try {
          return await probeVideo(entry.file);
        } catch (e) {
          if (o.strict || !(e instanceof VfmError) || e instanceof ConfigError) throw e;
          skipped.push(skipReport(entry, e));
          o.log(`skipping ${entry.file} (manifest line ${entry.line}): ${e.message}`);
          return undefined;
        }
      }),
    ),
  );
  skipped.sort((a, b) => a.line - b.line);
  if (skipped.length * 2 > entries.length)
    throw new UnreadableVideosError(
      `${skipped.length} of the ${entries.length} videos of ${o.path} cannot be read:\n${skipped
        .map((s) => `  line ${s.line}: ${s.path}: ${s.reason}`)
        .join('\n')}`,
      { manifest: o.manifest, total: entries.length, skipped },
    );
  return { infos, skipped };
}
