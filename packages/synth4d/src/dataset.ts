import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ConfigError,
  createProgress,
  type ProgressReporter,
  writeFileAtomic,
  writeSafetensors,
} from '@vfmkit/core';
import { RenderPool } from './pool';
import { type Difficulty, type Split, splitSeed, taskConfig, taskPreset } from './presets';
import type { Synth4dSample } from './sample';
import { type IndexEntry, indexEntry, packSamples } from './shards';

/** Options of {@link generateDataset}. */
export interface GenerateOptions {
  /** Task preset (`tracking` or `synth4d/tracking`). */
  task: string;
  split?: Split;
  /** Number of clips (>= 1). */
  count: number;
  /** Output folder (created). */
  out: string;
  /** First clip index within the split (default 0), to extend a dataset. */
  start?: number;
  /** Clips per shard file (default 64). */
  clipsPerShard?: number;
  /** Worker threads (0: render in this thread; default 1). */
  workers?: number;
  /** Difficulty knobs and config overrides. */
  knobs?: Difficulty;
  /** Progress reporter (default: a bar on a TTY, silent otherwise). */
  progress?: ProgressReporter;
}

/** What {@link generateDataset} wrote; also saved as `dataset.json`. */
export interface DatasetManifest {
  readonly format: 'synth4d/v1';
  readonly task: string;
  readonly split: Split;
  readonly start: number;
  readonly count: number;
  readonly clipsPerShard: number;
  readonly shards: readonly string[];
  readonly config: Record<string, unknown>;
  readonly targets: readonly string[];
}

function checkInt(key: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min)
    throw new ConfigError(`${key} must be an integer >= ${min}, got ${value}`, { key, value });
}

/**
 * Renders `count` clips of a task split into `out/`: safetensors shards (`shard-00000.safetensors`,
 * tensors as in {@link packSamples}), `index.jsonl` (one {@link IndexEntry} per clip, in order, appended
 * as shards complete) and `dataset.json`. Output bytes do not depend on the number of workers.
 * @throws ConfigError for an unknown task or a bad count/size/knob.
 */
export async function generateDataset(options: GenerateOptions): Promise<DatasetManifest> {
  const preset = taskPreset(options.task);
  const split = options.split ?? 'train';
  const start = options.start ?? 0;
  const perShard = options.clipsPerShard ?? 64;
  checkInt('count', options.count, 1);
  checkInt('start', start, 0);
  checkInt('clipsPerShard', perShard, 1);
  const config = taskConfig(preset.task, options.knobs);
  splitSeed(split, start);
  splitSeed(split, start + options.count - 1);
  const pool = new RenderPool(options.workers ?? 1);
  const progress =
    options.progress ?? createProgress({ total: options.count, label: `synth4d ${preset.name}` });
  const nShards = Math.ceil(options.count / perShard);
  const shardName = (s: number) => `shard-${String(s).padStart(5, '0')}.safetensors`;
  await mkdir(options.out, { recursive: true });
  const indexPath = join(options.out, 'index.jsonl');
  await writeFile(indexPath, '');
  const written = new Map<number, string>();
  let nextIndexShard = 0;
  let flushing: Promise<void> = Promise.resolve();
  const writeShard = async (s: number, samples: Synth4dSample[]) => {
    const name = shardName(s);
    await writeSafetensors(join(options.out, name), packSamples(samples), {
      format: 'synth4d/v1',
      task: preset.name,
      split,
      config: JSON.stringify(config),
      seeds: JSON.stringify(samples.map((x) => x.seed)),
    });
    written.set(
      s,
      samples.map((x, i) => JSON.stringify(indexEntry(x, name, i, s * perShard + i))).join('\n'),
    );
    // index.jsonl stays in clip order: append every finished shard whose predecessors are written.
    flushing = flushing.then(async () => {
      while (written.has(nextIndexShard)) {
        await appendFile(indexPath, `${written.get(nextIndexShard)}\n`);
        written.delete(nextIndexShard);
        nextIndexShard++;
      }
    });
    await flushing;
  };
  try {
    // At most two shards in flight per worker bounds memory; within a shard, clips render in parallel.
    const window = Math.max(1, pool.size) * 2;
    const shardJobs: Promise<void>[] = [];
    const active: Promise<void>[] = [];
    for (let s = 0; s < nShards; s++) {
      const first = s * perShard;
      const n = Math.min(perShard, options.count - first);
      const slot = new Array<Synth4dSample>(n);
      const job = Promise.all(
        Array.from({ length: n }, (_, i) =>
          pool.render(config, splitSeed(split, start + first + i)).then((sample) => {
            slot[i] = sample;
            progress.tick(1);
          }),
        ),
      ).then(() => writeShard(s, slot));
      job.catch(() => {}); // failures surface through the awaits below; this only marks them handled
      shardJobs.push(job);
      active.push(job);
      if (active.length >= window) {
        await active.shift();
      }
    }
    await Promise.all(shardJobs);
  } finally {
    progress.finish();
    await pool.close();
  }
  const manifest: DatasetManifest = {
    format: 'synth4d/v1',
    task: preset.name,
    split,
    start,
    count: options.count,
    clipsPerShard: perShard,
    shards: Array.from({ length: nShards }, (_, s) => shardName(s)),
    config: config as unknown as Record<string, unknown>,
    targets: preset.targets,
  };
  await writeFileAtomic(join(options.out, 'dataset.json'), [
    new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`),
  ]);
  return manifest;
}

/** Reads `dataset.json` and `index.jsonl` of a generated dataset. */
export async function readDataset(dir: string): Promise<{ manifest: DatasetManifest; index: IndexEntry[] }> {
  const manifest = JSON.parse(await readFile(join(dir, 'dataset.json'), 'utf8')) as DatasetManifest;
  const index = (await readFile(join(dir, 'index.jsonl'), 'utf8'))
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as IndexEntry);
  return { manifest, index };
}
