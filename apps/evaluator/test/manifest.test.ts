import {
  copyFileSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labelsOnClip } from '@vfmkit/probes';
import { renderSample, type Synth4dSample, splitSeed, taskConfig } from '@vfmkit/synth4d';
import { decodeClip, labelVocabulary, probeVideo, readManifest, writeVideo } from '@vfmkit/video';
import { decodeVariant, initVitWeights, saveVitCheckpoint } from '@vfmkit/vit-encoder';
import { writeVitOnnx } from '@vfmkit/vit-encoder/onnx';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli';
import { clipFrames } from '../src/data/manifest-clips';
import { manifestSources, splitEntries } from '../src/data/manifest-source';
import { UnreadableVideosError } from '../src/errors';
import type { EvalReport } from '../src/evaluate';

const FPS = 8;
let dir: string;
let onnx: string;
let manifestPath: string;
let samples: Synth4dSample[];

/** A manifest row for a rendered clip: its actor's motion as label, segments (seconds) and keyframe boxes. */
function rowOf(s: Synth4dSample, i: number, split: string) {
  const name = (label: number) => ['static', 'linear', 'circular', 'bounce', 'spin', 'fall'][label];
  const [W, H] = [s.config.width, s.config.height];
  return {
    path: `clip${i}.mp4`,
    split,
    label: s.actions.clipClass,
    segments: s.actions.segments
      .filter((g) => g.objectId === 1)
      .map((g) => ({ start: g.start / FPS, end: g.end / FPS, label: g.className })),
    boxes: s.actions.actorBoxes.map((a) => ({
      time: a.frame / FPS,
      box: [a.box[0] / W, a.box[1] / H, a.box[2] / W, a.box[3] / H],
      labels: [name(a.label)],
    })),
  };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vfm-eval-manifest-'));
  const config = decodeVariant('nano/8', { frames: 8, imageSize: [32, 32], exposeLayers: [0] });
  onnx = join(dir, 'tiny.onnx');
  await writeVitOnnx(onnx, config, initVitWeights(config, 3));
  // 12 synth4d clips (8 frames of 32 x 32, two objects) written as mp4 videos: 8 train, 4 val
  const scene = taskConfig('spatiotemporal', { frames: 8, size: 32, objects: 2 });
  samples = Array.from({ length: 12 }, (_, i) => renderSample(scene, splitSeed('train', i)));
  const rows = [];
  for (const [i, s] of samples.entries()) {
    await writeVideo(join(dir, `clip${i}.mp4`), { data: s.rgb, shape: [8, 32, 32, 3] }, { fps: FPS });
    rows.push(rowOf(s, i, i < 8 ? 'train' : 'val'));
  }
  manifestPath = join(dir, 'clips.jsonl');
  writeFileSync(manifestPath, `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('video manifests as evaluation data', () => {
  it("maps a manifest's seconds back onto the clip's frames and decodes the pixels it was written from", async () => {
    const manifest = await readManifest(manifestPath);
    const vocabulary = labelVocabulary(manifest.entries, { annotations: true });
    const classOf = (l: string | number) => vocabulary.indexOf(String(l));
    for (const [i, entry] of manifest.entries.entries()) {
      const info = await probeVideo(entry.file);
      const frames = clipFrames(entry, info, 8);
      expect(Array.from(frames)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
      const labels = labelsOnClip(entry, frames, info.fps, classOf);
      const s = samples[i];
      expect(vocabulary[labels.label]).toBe(s.actions.clipClass);
      expect(labels.segments.map((g) => [g.start, g.end, vocabulary[g.label]])).toEqual(
        s.actions.segments.filter((g) => g.objectId === 1).map((g) => [g.start, g.end, g.className]),
      );
      expect(labels.boxes.map((b) => b.frame)).toEqual(s.actions.actorBoxes.map((a) => a.frame));
    }
    // every other frame of a 4-frame clip: a segment [2, 5) covers clip frames 1 and 2 (source frames 3, 5)
    const half = clipFrames(manifest.entries[0], await probeVideo(manifest.entries[0].file), 4);
    expect(Array.from(half)).toEqual([1, 3, 5, 7]);
    const mapped = labelsOnClip(
      { ...manifest.entries[0], segments: [{ start: 2 / FPS, end: 6 / FPS, label: 'spin' }], boxes: [] },
      half,
      FPS,
      classOf,
    );
    expect(mapped.segments).toEqual([{ start: 1, end: 3, label: classOf('spin') }]);
    // h264 at crf 18 (yuv420p) gives back the rendered pixels closely
    const clip = await decodeClip(manifest.entries[0].file, { indices: [0, 1, 2, 3, 4, 5, 6, 7] });
    let err = 0;
    for (let j = 0; j < clip.data.length; j++) err += Math.abs(clip.data[j] - samples[0].rgb[j]);
    expect(err / clip.data.length).toBeLessThan(0.05);
  });

  it('splits by the split field, or 75 / 25 seeded without one', async () => {
    const manifest = await readManifest(manifestPath);
    const bySplit = splitEntries(manifest.entries, 0);
    expect([bySplit.train.length, bySplit.test.length]).toEqual([8, 4]);
    const unsplit = manifest.entries.map(({ split: _split, ...e }) => e);
    const a = splitEntries(unsplit, 5);
    expect([a.train.length, a.test.length]).toEqual([9, 3]);
    expect(splitEntries(unsplit, 5).test.map((e) => e.path)).toEqual(a.test.map((e) => e.path));
  });

  it('vfm-eval --manifest runs classification, temporal and spatio-temporal localization on the videos', async () => {
    const out = join(dir, 'report');
    const args = ['--encoder', onnx, '--manifest', manifestPath, '--adaptations', 'frozen,linear'];
    const code = await main([...args, '--steps', '10', '--out', out, '--threads', '1']);
    expect(code).toBe(0);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as EvalReport;
    expect(report.settings.data).toBe(manifestPath);
    expect(report.tasks.map((t) => t.name)).toEqual([
      'clips/classification',
      'clips/temporal',
      'clips/spatiotemporal',
    ]);
    expect(report.encoders[0].clipsEmbedded).toBe(12); // one clip set that the three tasks share
    for (const r of report.results) {
      if (r.task === 'clips/spatiotemporal' && r.method === 'linear') {
        expect(r.metrics).toBeNull();
        continue;
      }
      expect(r.metrics?.length).toBeGreaterThan(0);
      expect(Number.isFinite(r.metrics?.[0].value)).toBe(true);
    }
    expect(report.vgs.models.tiny.vgs).toBeGreaterThanOrEqual(0);
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toContain('## clips/temporal');
  });

  it('one clip set per clip size that every task shares, decoded on demand; a video gone after probing is named', async () => {
    const sources = await manifestSources(manifestPath, { seed: 0, tasks: ['classification', 'temporal'] });
    const lines: string[] = [];
    const [cls, temporal] = [
      await sources[0].load([4, 16, 16], (l) => lines.push(l)),
      await sources[1].load([4, 16, 16], () => {}),
    ];
    expect(lines).toEqual([`probing 12 videos of ${manifestPath}`]); // probed once for every task
    expect(cls.train.clips).toBe(temporal.train.clips);
    expect(cls.test.clips).toBe(cls.train.clips);
    expect(cls.train.clips.count).toBe(12);
    expect([cls.train.rows, cls.test.rows]).toEqual([
      [0, 1, 2, 3, 4, 5, 6, 7],
      [8, 9, 10, 11],
    ]);
    // labels from the probe alone: every other frame of the 8-frame video
    const manifest = await readManifest(manifestPath);
    const vocabulary = labelVocabulary(manifest.entries, { annotations: true });
    const entry = manifest.entries[9];
    const frames = clipFrames(entry, await probeVideo(entry.file), 4);
    expect(Array.from(frames)).toEqual([1, 3, 5, 7]);
    expect(temporal.test.samples[1]).toEqual(
      labelsOnClip(entry, frames, FPS, (l) => vocabulary.indexOf(String(l))),
    );
    // pixels: those frames, resized by ffmpeg
    const pixels = await cls.test.clips.clipAt(cls.test.rows[1]);
    const direct = await decodeClip(entry.file, { indices: [1, 3, 5, 7], size: { width: 16, height: 16 } });
    expect(pixels).toEqual(direct.data);
    // another clip size is another set
    expect((await sources[0].load([8, 32, 32], () => {})).train.clips.dataKey).not.toBe(
      cls.train.clips.dataKey,
    );

    // a video removed between the probe and its decode fails the run, naming it
    const copy = join(dir, 'vanishing.jsonl');
    copyFileSync(join(dir, 'clip3.mp4'), join(dir, 'vanishing.mp4'));
    const rows = readFileSync(manifestPath, 'utf8').trim().split('\n');
    writeFileSync(
      copy,
      [...rows, JSON.stringify({ ...JSON.parse(rows[3]), path: 'vanishing.mp4' })].join('\n'),
    );
    const [vanishing] = await manifestSources(copy, { seed: 0, tasks: ['classification'] });
    const data = await vanishing.load([4, 16, 16], () => {});
    rmSync(join(dir, 'vanishing.mp4'));
    const err = await Promise.resolve(data.train.clips.clipAt(12)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnreadableVideosError);
    expect((err as Error).message).toContain(
      'vanishing.mp4 (manifest line 13) was probed but cannot be decoded',
    );
    expect((err as UnreadableVideosError).details).toMatchObject({
      skipped: [{ line: 13, code: 'VIDEO_DECODE' }],
    });
  });

  it('vfm-eval --manifest trains the backbone (adapter) on clips decoded from the videos', async () => {
    const config = decodeVariant('nano/8', { frames: 8, imageSize: [32, 32], exposeLayers: [0] });
    const ckpt = join(dir, 'tiny.safetensors');
    await saveVitCheckpoint(ckpt, config, initVitWeights(config, 3));
    const out = join(dir, 'report-adapter');
    const args = ['--encoder', ckpt, '--manifest', manifestPath, '--tasks', 'classification'];
    expect(await main([...args, '--adaptations', 'frozen,adapter', '--steps', '3', '--out', out])).toBe(0);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as EvalReport;
    expect(report.results.map((r) => [r.method, r.metrics?.[0].name])).toEqual([
      ['frozen', 'top1'],
      ['adapter', 'top1'],
    ]);
    expect(Number.isFinite(report.results[1].metrics?.[0].value)).toBe(true);
    expect(report.results[1].trainSeconds).toBeGreaterThan(0);
  });

  it('vfm-eval --manifest runs multi-label classification from `labels`', async () => {
    const multi = join(dir, 'multi.jsonl');
    const rows = samples.map((s, i) => ({
      path: `clip${i}.mp4`,
      split: i < 8 ? 'train' : 'test',
      labels: [...new Set(s.actions.objectLabels.map((l) => `motion-${l}`)), s.actions.cameraClass],
    }));
    writeFileSync(multi, rows.map((r) => JSON.stringify(r)).join('\n'));
    const out = join(dir, 'report-multi');
    const code = await main([
      '--encoder',
      onnx,
      '--manifest',
      multi,
      '--adaptations',
      'linear',
      '--steps',
      '10',
      '--out',
      out,
    ]);
    expect(code).toBe(0);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as EvalReport;
    expect(report.tasks.map((t) => t.name)).toEqual(['multi/multilabel']);
    expect(report.results[0].metrics?.[0].name).toBe('mAP');
    expect(report.results[0].metrics?.[0].value).toBeGreaterThan(0);
  });

  it('names the missing field when a task has no data, and a split without clips', async () => {
    const noSegments = join(dir, 'labels-only.jsonl');
    const rows = readFileSync(manifestPath, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    writeFileSync(noSegments, rows.map(({ segments: _s, boxes: _b, ...r }) => JSON.stringify(r)).join('\n'));
    const base = ['--encoder', onnx, '--manifest', noSegments, '--out', join(dir, 'bad')];
    expect(await main([...base, '--tasks', 'temporal'])).toBe(2);
    const trainOnly = join(dir, 'train-only.jsonl');
    writeFileSync(trainOnly, rows.map((r) => JSON.stringify({ ...r, split: 'train' })).join('\n'));
    expect(await main(['--encoder', onnx, '--manifest', trainOnly, '--out', join(dir, 'bad2')])).toBe(2);
  });

  it('skips, counts and lists a truncated and a missing video; --strict fails; mostly unreadable fails with the list', async () => {
    const rows = readFileSync(manifestPath, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    // a truncated copy of a good file (its index, written last, is cut off) and a path with no file
    copyFileSync(join(dir, 'clip0.mp4'), join(dir, 'broken.mp4'));
    truncateSync(join(dir, 'broken.mp4'), Math.floor(statSync(join(dir, 'clip0.mp4')).size * 0.6));
    const bad = [
      { ...rows[0], path: 'broken.mp4' },
      { ...rows[1], path: 'missing.mp4', split: 'val' },
    ];
    const withBad = join(dir, 'with-bad.jsonl');
    writeFileSync(withBad, [...rows, ...bad].map((r) => JSON.stringify(r)).join('\n'));
    const out = join(dir, 'report-bad');
    const args = [
      '--encoder',
      onnx,
      '--manifest',
      withBad,
      '--tasks',
      'classification',
      '--adaptations',
      'linear',
    ];
    expect(await main([...args, '--steps', '5', '--out', out])).toBe(0);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as EvalReport;
    expect(report.skipped.map((v) => [v.line, v.path, v.code, v.reason, v.tasks])).toEqual([
      [13, join(dir, 'broken.mp4'), 'VIDEO_DECODE', 'invalid-data', ['with-bad/classification']],
      [14, join(dir, 'missing.mp4'), 'VIDEO_DECODE', 'not-found', ['with-bad/classification']],
    ]);
    expect(report.encoders[0].clipsEmbedded).toBe(12); // the 12 readable videos, nothing else
    expect(report.results[0].metrics?.[0].value).toBeGreaterThanOrEqual(0);
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    expect(md).toContain('## Skipped videos');
    expect(md).toContain('2 videos of the manifest could not be read');
    expect(md).toContain('broken.mp4');
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('missing.mp4');

    // --strict: the first unreadable video fails the run (exit 1, a VideoDecodeError)
    expect(await main([...args, '--steps', '5', '--out', join(dir, 'report-strict'), '--strict'])).toBe(1);

    // more than half unreadable: fails, naming every one
    const mostlyBad = join(dir, 'mostly-bad.jsonl');
    const many = [0, 1, 2, 3].map((i) => ({ ...rows[i], path: `gone${i}.mp4` }));
    writeFileSync(mostlyBad, [rows[0], rows[8], rows[9], ...many].map((r) => JSON.stringify(r)).join('\n'));
    const errors: string[] = [];
    const original = console.error;
    console.error = (line: string) => errors.push(line);
    try {
      const code = await main([
        '--encoder',
        onnx,
        '--manifest',
        mostlyBad,
        '--out',
        join(dir, 'report-mostly'),
      ]);
      expect(code).toBe(1);
    } finally {
      console.error = original;
    }
    expect(errors.join('\n')).toContain('UnreadableVideosError (EVAL_UNREADABLE_VIDEOS): 4 of the 7 videos');
    for (let i = 0; i < 4; i++) expect(errors.join('\n')).toContain(`gone${i}.mp4: not-found`);
  });
});
