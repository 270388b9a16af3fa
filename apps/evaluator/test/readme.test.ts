import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng, type Tensor, writeSafetensors } from '@vfmkit/core';
import { renderSample, splitSeed, taskConfig } from '@vfmkit/synth4d';
import { writeVideo } from '@vfmkit/video';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli';
import type { EvalReport } from '../src/evaluate';

const ROOT = new URL('../../../', import.meta.url).pathname;
/** Appended to every vfm-eval command: fewer clips and head steps (they only scale the work). */
const QUICK = ['--train-clips', '8', '--test-clips', '4', '--steps', '10', '--threads', '1'];

let dir: string;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The commands of the README's "Use" block (continuation lines joined, comments dropped). */
function readmeCommands(): string[][] {
  const readme = readFileSync(join(ROOT, 'apps/evaluator/README.md'), 'utf8');
  const block = /## Use\n\n```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
  return block
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .filter((l) => l.trim() && !l.trim().startsWith('#'))
    .map((l) => l.trim().split(/\s+/));
}

/** The README's relative data paths, placed in the test's folder. */
const place = (arg: string) => arg.replace(/(^|=|,)(runs|reports|data|downloads)\//g, `$1${dir}/$2/`);

/** A tiny Hugging Face VideoMAE download: `model.safetensors` (PyTorch layout) and `config.json`. */
async function writeVideoMae(folder: string) {
  mkdirSync(folder, { recursive: true });
  const d = 32;
  const rng = new Rng(11);
  const tensors: Record<string, Tensor> = {};
  const add = (name: string, shape: number[], offset = 0) => {
    const n = shape.reduce((a, b) => a * b, 1);
    tensors[name] = {
      dtype: 'F32',
      shape,
      data: Float32Array.from({ length: n }, () => offset + rng.normal(0, 0.1)),
    };
  };
  add('embeddings.patch_embeddings.projection.weight', [d, 3, 2, 8, 8]);
  add('embeddings.patch_embeddings.projection.bias', [d]);
  for (let i = 0; i < 2; i++) {
    const l = `encoder.layer.${i}`;
    for (const part of ['query', 'key', 'value']) add(`${l}.attention.attention.${part}.weight`, [d, d]);
    add(`${l}.attention.attention.q_bias`, [d]);
    add(`${l}.attention.attention.v_bias`, [d]);
    add(`${l}.attention.output.dense.weight`, [d, d]);
    add(`${l}.attention.output.dense.bias`, [d]);
    add(`${l}.layernorm_before.weight`, [d], 1);
    add(`${l}.layernorm_before.bias`, [d]);
    add(`${l}.intermediate.dense.weight`, [64, d]);
    add(`${l}.intermediate.dense.bias`, [64]);
    add(`${l}.output.dense.weight`, [d, 64]);
    add(`${l}.output.dense.bias`, [d]);
    add(`${l}.layernorm_after.weight`, [d], 1);
    add(`${l}.layernorm_after.bias`, [d]);
  }
  await writeSafetensors(join(folder, 'model.safetensors'), tensors);
  const config = {
    model_type: 'videomae',
    hidden_size: d,
    num_hidden_layers: 2,
    num_attention_heads: 2,
    intermediate_size: 64,
    hidden_act: 'gelu',
    patch_size: 8,
    tubelet_size: 2,
    num_frames: 8,
    image_size: 32,
    qkv_bias: true,
  };
  writeFileSync(join(folder, 'config.json'), JSON.stringify(config));
}

/** `data/my-videos.jsonl`: 8 synth4d clips as mp4 with their actor's motion as label (6 train, 2 val). */
async function writeManifest(folder: string) {
  mkdirSync(folder, { recursive: true });
  const scene = taskConfig('actions', { frames: 8, height: 32, width: 32 });
  const rows = [];
  for (let i = 0; i < 8; i++) {
    const s = renderSample(scene, splitSeed('train', i));
    await writeVideo(join(folder, `v${i}.mp4`), { data: s.rgb, shape: [8, 32, 32, 3] }, { fps: 8 });
    rows.push({ path: `v${i}.mp4`, split: i < 6 ? 'train' : 'val', label: s.actions.clipClass });
  }
  writeFileSync(join(folder, 'my-videos.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n'));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vfm-eval-readme-'));
  await writeVideoMae(join(dir, 'downloads', 'videomae-tiny'));
  await writeManifest(join(dir, 'data'));
});

describe("the README's examples, on a real vfm-train run", () => {
  it('trains with vfm-train, then evaluates the run folder with linear, attentive, adapter and e2e, and every other source', async () => {
    const commands = readmeCommands();
    expect(commands.map((c) => c[1])).toEqual([
      'apps/trainer/bin/vfm-train.mjs',
      ...Array(5).fill('apps/evaluator/bin/vfm-eval.mjs'),
    ]);
    // 1. vfm-train, as written (the bin, in its own process)
    const [, trainBin, ...trainArgs] = commands[0];
    execFileSync(process.execPath, [join(ROOT, trainBin), ...trainArgs.map(place), '--no-progress'], {
      stdio: 'pipe',
    });
    const run = join(dir, 'runs', 'mae-nano');
    for (const f of ['encoder.safetensors', 'encoder.onnx', 'checkpoint.safetensors', 'config.json'])
      expect(existsSync(join(run, f))).toBe(true);
    // 2. each vfm-eval command: main() is what the bin runs, in its process
    const reports: EvalReport[] = [];
    for (const command of commands.slice(1)) {
      const args = command.slice(2).map(place);
      const code = await main([...args, ...QUICK]);
      expect(code, command.join(' ')).toBe(0);
      const out = args[args.indexOf('--out') + 1];
      reports.push(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as EvalReport);
    }
    const [methods, compare, sources, videomae, videos] = reports;

    // the run folder with every method: all four scored on pose, with a VGS
    expect(methods.encoders[0]).toMatchObject({
      name: 'x',
      kind: 'run',
      weights: join(run, 'encoder.safetensors'),
    });
    expect(methods.results.map((r) => r.method)).toEqual(['linear', 'frozen', 'adapter', 'e2e']);
    for (const r of methods.results) {
      expect(r.metrics?.[0].name, r.method).toBe('auc30');
      expect(Number.isFinite(r.score)).toBe(true);
    }
    expect(methods.vgs.models.x.vgs).toBeGreaterThan(0);
    expect(methods.pictures.map((p) => p.task)).toEqual(['synth4d/pose']);

    // against a random init on the 4D suite: both encoders, every task, pictures of all four
    expect(compare.encoders.map((e) => e.name)).toEqual(['pretrained', 'pretrained (random init)']);
    expect(compare.results.filter((r) => r.metrics).length).toBe(2 * 4);
    expect(new Set(compare.pictures.map((p) => p.task))).toEqual(
      new Set(['synth4d/depth', 'synth4d/tracking', 'synth4d/boxes', 'synth4d/pose']),
    );

    // a checkpoint file and the ONNX export of the same weights: the same frozen features
    expect(sources.encoders.map((e) => e.kind)).toEqual(['vit-checkpoint', 'onnx']);
    const adapterOf = (name: string) =>
      sources.results.find((r) => r.method === 'adapter' && r.encoder === name);
    expect(adapterOf('ckpt')?.metrics?.length).toBeGreaterThan(0);
    expect(adapterOf('onnx')?.metrics).toBeNull();
    expect(adapterOf('onnx')?.note).toMatch(/ONNX only/);
    // (frozen and linear read the final tokens; mlap reads the layers each file exposes, which differ)
    for (const r of sources.results.filter(
      (x) => x.encoder === 'ckpt' && ['frozen', 'linear'].includes(x.method),
    )) {
      const twin = sources.results.find(
        (x) => x.encoder === 'onnx' && x.task === r.task && x.method === r.method,
      );
      expect(twin?.metrics?.[0].value, `${r.task} ${r.method}`).toBeCloseTo(
        r.metrics?.[0].value as number,
        3,
      );
    }

    // the VideoMAE download: imported, exported, frozen and adapter both scored
    expect(videomae.encoders[0]).toMatchObject({ kind: 'videomae', width: 32, depth: 2 });
    expect(videomae.results.map((r) => [r.method, r.metrics !== null])).toEqual([
      ['frozen', true],
      ['adapter', true],
    ]);

    // the manifest of videos
    expect(videos.tasks.map((t) => t.name)).toEqual(['my-videos/classification']);
    expect(videos.skipped).toEqual([]);
    expect(videos.results.every((r) => r.metrics !== null)).toBe(true);
  });
});
