import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeVariant, initVitWeights, saveVitCheckpoint } from '@vfmkit/vit-encoder';
import { writeVitOnnx } from '@vfmkit/vit-encoder/onnx';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main, parseArgs } from '../src/cli';
import { EvaluatorError } from '../src/errors';
import type { EvalReport } from '../src/evaluate';
import { parseEvaluateOptions } from '../src/options';

let dir: string;
let onnx: string;
let ckpt: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vfm-eval-'));
  // A tiny randomly initialised video ViT: 8 frames of 32 x 32, tubelets 2 x 8 x 8 (64 tokens), width 64.
  const config = decodeVariant('nano/8', { frames: 8, imageSize: [32, 32], exposeLayers: [0] });
  onnx = join(dir, 'tiny.onnx');
  await writeVitOnnx(onnx, config, initVitWeights(config, 3));
  ckpt = join(dir, 'tiny.safetensors');
  await saveVitCheckpoint(ckpt, config, initVitWeights(config, 4));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('vfm-eval end to end', () => {
  it('evaluates an .onnx encoder and a checkpoint side by side on depth and pose, writing md / json / html', async () => {
    const out = join(dir, 'report');
    const code = await main([
      '--encoder',
      `onnx=${onnx},ckpt=${ckpt}`,
      '--suite',
      '4d',
      '--tasks',
      'depth,pose',
      '--adaptations',
      'frozen,linear',
      '--train-clips',
      '16',
      '--test-clips',
      '8',
      '--steps',
      '20',
      '--out',
      out,
      '--threads',
      '1',
    ]);
    expect(code).toBe(0);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as EvalReport;
    expect(report.encoders.map((e) => e.name)).toEqual(['onnx', 'ckpt']);
    expect(report.encoders[0].clipsEmbedded).toBe(24 * 2); // 16 + 8 clips for each of 2 tasks
    expect(report.results).toHaveLength(2 * 2 * 2);
    // each task's 0-100 score is 100 x its score metric: depth's delta1, pose's AUC@30
    const scoreMetric: Record<string, string> = {
      'synth4d/depth': 'delta1 (median-aligned)',
      'synth4d/pose': 'auc30',
    };
    for (const r of report.results) {
      const value = r.metrics?.find((m) => m.name === scoreMetric[r.task])?.value as number;
      expect(r.score, `${r.task} ${r.method}`).toBeCloseTo(100 * value, 10);
      expect(r.trainableParams).toBeGreaterThan(1);
    }
    // the VGS recomputed from the rows (VideoGLUE Eq. 3): S_i the mean task score of method i, C_i its mean
    // trainable parameters, w_i = (1 / log10 C_i) / sum_j (1 / log10 C_j), VGS = sum_i w_i S_i
    for (const name of ['onnx', 'ckpt']) {
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      const methods = ['frozen', 'linear'].map((method) => {
        const rows = report.results.filter((r) => r.encoder === name && r.method === method);
        return {
          S: mean(rows.map((r) => r.score as number)),
          A: 1 / Math.log10(mean(rows.map((r) => r.trainableParams as number))),
        };
      });
      const sumA = methods.reduce((a, m) => a + m.A, 0);
      const vgs = methods.reduce((a, m) => a + (m.A / sumA) * m.S, 0);
      expect(report.vgs.models[name].vgs).toBeCloseTo(vgs, 10);
    }
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    expect(md).toContain('## synth4d/depth');
    expect(md).toContain('| metric');
    expect(md).toContain('VideoGLUE score');
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html).toContain('<svg');
    // what the readouts predicted: one picture per task and encoder (the first method, frozen), 3 val clips
    expect(report.status).toBe('complete');
    expect(report.pictures.map((p) => [p.task, p.method, p.encoder])).toEqual([
      ['synth4d/depth', 'frozen', 'onnx'],
      ['synth4d/depth', 'frozen', 'ckpt'],
      ['synth4d/pose', 'frozen', 'onnx'],
      ['synth4d/pose', 'frozen', 'ckpt'],
    ]);
    for (const p of report.pictures) {
      const png = PNG.sync.read(readFileSync(p.file));
      // depth: frame | true | predicted, 32 x 32 at zoom 4 with 6 px gaps; pose: 3 plots of 160 px
      const expected = p.task === 'synth4d/depth' ? [3 * 128 + 4 * 6, 3 * 134 + 6] : [3 * 166 + 6, 172];
      expect([png.width, png.height]).toEqual(expected);
      expect([p.width, p.height]).toEqual(expected);
    }
    expect(html.match(/<img src="data:image\/png;base64,/g)).toHaveLength(4);
    expect(md).toContain('](pictures/synth4d_depth--ckpt.png)');
    expect(html).toContain('synth4d/pose');
    // the checkpoint was exported into <out>/encoders (by content hash), the ONNX file runs as given
    expect(report.encoders.map((e) => e.kind)).toEqual(['onnx', 'vit-checkpoint']);
    expect(report.encoders[0].onnx).toBe(onnx);
    expect(report.encoders[1].onnx.startsWith(join(out, 'encoders'))).toBe(true);
    expect(existsSync(report.encoders[1].onnx)).toBe(true);
    expect(report.encoders[1].weights).toBe(ckpt);

    // A second run hits the feature cache: nothing is embedded again.
    const again = await main([
      '--encoder',
      `onnx=${onnx}`,
      '--tasks',
      'depth',
      '--train-clips',
      '16',
      '--test-clips',
      '8',
      '--steps',
      '5',
      '--out',
      out,
    ]);
    expect(again).toBe(0);
    const second = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as EvalReport;
    expect(second.encoders[0].clipsEmbedded).toBe(0);
  });

  it('adds a random-init baseline and runs the query-conditioned tasks with mlap', async () => {
    const out = join(dir, 'report2');
    const code = await main([
      '--encoder',
      onnx,
      '--random-baseline',
      '--tasks',
      'boxes',
      '--adaptations',
      'mlap,linear',
      '--train-clips',
      '12',
      '--test-clips',
      '6',
      '--steps',
      '10',
      '--out',
      out,
    ]);
    expect(code).toBe(0);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as EvalReport;
    expect(report.encoders.map((e) => e.name)).toEqual(['tiny', 'tiny (random init)']);
    const lin = report.results.find((r) => r.method === 'linear');
    expect(lin?.metrics).toBeNull();
    expect(lin?.note).toContain('query-conditioned');
    const mlap = report.results.find((r) => r.method === 'mlap' && r.encoder === 'tiny');
    expect(mlap?.metrics?.[0].name).toBe('meanIou');
  });
});

describe('run folders', () => {
  it('an interrupted run (encoder.safetensors, no encoder.onnx yet) runs frozen and adapter methods', async () => {
    // what vfm-train leaves after a stop before the end: the encoder in vit-encoder's format, no export
    const run = join(dir, 'interrupted-run');
    mkdirSync(run);
    const config = decodeVariant('nano/8', { frames: 8, imageSize: [32, 32] });
    await saveVitCheckpoint(join(run, 'encoder.safetensors'), config, initVitWeights(config, 9));
    writeFileSync(join(run, 'config.json'), '{"recipe":"mae"}\n');
    const out = join(dir, 'report-interrupted');
    const code = await main([
      '--encoder',
      `x=${run}`,
      '--tasks',
      'pose',
      '--adaptations',
      'frozen,adapter',
      '--train-clips',
      '8',
      '--test-clips',
      '4',
      '--steps',
      '5',
      '--out',
      out,
      '--threads',
      '1',
    ]);
    expect(code).toBe(0);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as EvalReport;
    expect(report.encoders[0]).toMatchObject({ kind: 'run', weights: join(run, 'encoder.safetensors') });
    // exported into the report's cache with the last (up to) 4 blocks exposed; the run is left as it is
    expect(report.encoders[0].onnx.startsWith(join(out, 'encoders'))).toBe(true);
    expect(existsSync(join(run, 'encoder.onnx'))).toBe(false);
    expect(report.results.map((r) => [r.method, r.metrics?.[0].name])).toEqual([
      ['frozen', 'auc30'],
      ['adapter', 'auc30'],
    ]);
  });
});

describe('bad arguments give typed errors', () => {
  it('rejects missing encoders, unknown flags, bad numbers, suites, tasks and unknown methods', () => {
    expect(() => parseArgs([])).toThrow(EvaluatorError);
    expect(() => parseArgs(['--encoder', 'a.onnx', '--frobnicate'])).toThrow(/unknown argument/);
    expect(() => parseArgs(['--encoder', 'a.onnx', '--steps', 'many'])).toThrow(/must be a number/);
    expect(() => parseArgs(['--encoder'])).toThrow(/needs a value/);
    const base = { encoders: [{ name: 'a', path: 'a.onnx' }], out: dir };
    expect(() => parseEvaluateOptions({ ...base, suite: 'kinetics' as '4d' })).toThrow(EvaluatorError);
    expect(() => parseEvaluateOptions({ ...base, tasks: ['actions'] })).toThrow(/not in suite "4d"/);
    expect(() => parseEvaluateOptions({ ...base, adaptations: ['bottleneck' as 'frozen'] })).toThrow(
      /option adaptations/,
    );
    expect(() =>
      parseEvaluateOptions({ ...base, encoders: [base.encoders[0], { name: 'a', path: 'b.onnx' }] }),
    ).toThrow(/two encoders/);
    expect(() => parseEvaluateOptions({ ...base, manifest: 'v.jsonl', tasks: ['depth'] })).toThrow(
      /not in the manifest tasks/,
    );
    expect(parseEvaluateOptions({ ...base, suite: 'all' }).taskList).toEqual([
      'actions',
      'temporal',
      'spatiotemporal',
      'depth',
      'tracking',
      'boxes',
      'pose',
    ]);
  });

  it('returns exit code 2 for a path that is no encoder', async () => {
    expect(await main(['--encoder', join(dir, 'missing.onnx'), '--out', join(dir, 'x')])).toBe(2);
    expect(await main(['--encoder', dir, '--out', join(dir, 'x')])).toBe(2); // a folder without encoder.onnx
  });
});
