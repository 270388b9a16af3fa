/**
 * `vfm-synth4d generate | preview | tasks`: procedural 4D clips with ground truth, from the command line.
 * `src/cli.ts` (built to `dist/cli.js`) and the `bin/vfm-synth4d.mjs` launcher run {@link main}.
 */
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, createProgress, VfmError } from '@vfmkit/core';
import { generateDataset } from './dataset';
import { type Difficulty, SPLITS, type Split, splitSeed, TASK_PRESETS, TASKS, taskConfig } from './presets';
import { writePreviewGif, writePreviewPng } from './preview';
import { renderSample } from './sample';

const USAGE = `vfm-synth4d: procedural 4D clips with ground truth

  vfm-synth4d generate --task tracking --count 1000 --size 64 --frames 16 --out data/
      [--split train|val|test] [--start 0] [--workers 1] [--shard-size 64]
      [--objects N] [--speed 1] [--queries Q] [--flow]
  vfm-synth4d preview --task tracking [--index 0] [--split train] [--size 64] [--frames 16] --out clip.png|clip.gif
  vfm-synth4d tasks`;

function int(key: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || !/^-?\d+$/.test(v.trim()))
    throw new ConfigError(`--${key} must be an integer, got "${v}"`, { key, value: v });
  return n;
}

function num(key: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new ConfigError(`--${key} must be a number, got "${v}"`, { key, value: v });
  return n;
}

function split(v: string | undefined): Split {
  const s = v ?? 'train';
  if (!(SPLITS as readonly string[]).includes(s))
    throw new ConfigError(`--split must be one of ${SPLITS.join(', ')}, got "${s}"`, {
      key: 'split',
      value: s,
    });
  return s as Split;
}

function knobs(values: Record<string, string | boolean | undefined>): Difficulty {
  const k: Difficulty = {};
  const size = int('size', values.size as string | undefined);
  if (size !== undefined) k.size = size;
  const frames = int('frames', values.frames as string | undefined);
  if (frames !== undefined) k.frames = frames;
  const objects = int('objects', values.objects as string | undefined);
  if (objects !== undefined) k.objects = objects;
  const speed = num('speed', values.speed as string | undefined);
  if (speed !== undefined) k.speed = speed;
  const queries = int('queries', values.queries as string | undefined);
  if (queries !== undefined) k.queries = queries;
  if (values.flow) k.flow = true;
  return k;
}

async function run(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      task: { type: 'string' },
      count: { type: 'string' },
      size: { type: 'string' },
      frames: { type: 'string' },
      out: { type: 'string' },
      split: { type: 'string' },
      start: { type: 'string' },
      workers: { type: 'string' },
      'shard-size': { type: 'string' },
      objects: { type: 'string' },
      speed: { type: 'string' },
      queries: { type: 'string' },
      flow: { type: 'boolean' },
      index: { type: 'string' },
    },
    allowPositionals: false,
  });
  if (command === 'tasks') {
    for (const t of TASKS) console.log(`${TASK_PRESETS[t].name.padEnd(24)} ${TASK_PRESETS[t].description}`);
    return 0;
  }
  if (command !== 'generate' && command !== 'preview') {
    console.log(USAGE);
    return command !== undefined && command !== 'help' && command !== '--help' ? 2 : 0;
  }
  if (!values.task) throw new ConfigError('--task is required', { key: 'task' });
  if (!values.out) throw new ConfigError('--out is required', { key: 'out' });
  if (command === 'generate') {
    const count = int('count', values.count);
    if (count === undefined) throw new ConfigError('--count is required', { key: 'count' });
    await mkdir(values.out, { recursive: true });
    const log = createWriteStream(join(values.out, 'generate.log.jsonl'), { flags: 'a' });
    const progress = createProgress({ total: count, label: `synth4d/${values.task}`, jsonl: log });
    const t0 = performance.now();
    const manifest = await generateDataset({
      task: values.task,
      split: split(values.split),
      count,
      out: values.out,
      start: int('start', values.start),
      workers: int('workers', values.workers),
      clipsPerShard: int('shard-size', values['shard-size']),
      knobs: knobs(values),
      progress,
    });
    const seconds = (performance.now() - t0) / 1000;
    log.write(
      `${JSON.stringify({ event: 'done', clips: count, seconds, shards: manifest.shards.length })}\n`,
    );
    await new Promise((r) => log.end(r));
    console.log(
      `wrote ${count} ${manifest.task} clips (${manifest.split}) in ${manifest.shards.length} shard(s) to ${values.out} in ${seconds.toFixed(1)} s`,
    );
    return 0;
  }
  const config = taskConfig(values.task, knobs(values));
  const index = int('index', values.index) ?? 0;
  const sample = renderSample(config, splitSeed(split(values.split), index));
  if (values.out.endsWith('.gif')) await writePreviewGif(sample, values.out);
  else if (values.out.endsWith('.png')) await writePreviewPng(sample, values.out);
  else
    throw new ConfigError(`--out must end in .png or .gif, got "${values.out}"`, {
      key: 'out',
      value: values.out,
    });
  console.log(`${values.out}: ${sample.caption}`);
  return 0;
}

/**
 * Runs `vfm-synth4d` with `argv` (without node and script) and resolves to the exit status: 0 ok,
 * 1 failed (a typed error is printed with its code), 2 unknown command.
 */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    return await run([...argv]);
  } catch (error) {
    if (error instanceof VfmError) console.error(`vfm-synth4d: ${error.message} [${error.code}]`);
    else console.error(error);
    return 1;
  }
}
