import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
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
    for (const r of report.results) {
      expect(r.metrics?.length).toBeGreaterThan(0);
      expect(r.score).toBeGreaterThanOrEqual(0);
      expect(r.score).toBeLessThanOrEqual(100);
      expect(r.trainableParams).toBeGreaterThan(1);
    }
    for (const name of ['onnx', 'ckpt']) {
      const m = report.vgs.models[name];
      const w = Object.values(m.methods).reduce((a, x) => a + x.weight, 0);
      expect(w).toBeCloseTo(1, 10);
      const expected = Object.values(m.methods).reduce((a, x) => a + x.weight * x.score, 0);
      expect(m.vgs).toBeCloseTo(expected, 10);
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
