import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../test/fixtures';
import { ManifestError } from './errors';
import { importFolderPerClass, importKineticsCsv, kineticsFileName, splitCsvLine } from './importers';
import { labelVocabulary, manifestFromEntries, readManifest, writeManifest } from './manifest';

const { dir, cleanup } = tempDir('manifest');
afterAll(cleanup);

describe('JSONL manifests', () => {
  it('round-trips every field and resolves paths relative to the manifest', async () => {
    const rows = [
      { path: 'a/x.mp4', split: 'train', label: 'run', caption: 'A person runs along a beach.' },
      { path: 'b/y.mp4', split: 'val', labels: ['run', 3] },
      {
        path: 'z.webm',
        start: 1.5,
        end: 4,
        segments: [{ start: 0.5, end: 2, label: 'jump' }],
        boxes: [
          {
            time: 1,
            box: [0.1, 0.2, 0.5, 0.9] as [number, number, number, number],
            labels: ['stand'],
            actorId: 2,
          },
        ],
      },
    ];
    const file = join(dir, 'm.jsonl');
    await writeManifest(file, rows);
    const m = await readManifest(file);
    expect(m.entries.map((e) => e.file)).toEqual([
      join(dir, 'a/x.mp4'),
      join(dir, 'b/y.mp4'),
      join(dir, 'z.webm'),
    ]);
    expect(m.entries.map(({ file: _f, line: _l, ...rest }) => rest)).toEqual(rows);
    expect(m.entries.map((e) => e.line)).toEqual([1, 2, 3]);
    expect(labelVocabulary(m.entries)).toEqual(['3', 'run']);
    expect(labelVocabulary(m.entries, { annotations: true })).toEqual(['3', 'jump', 'run', 'stand']);
  });

  it('rejects a path that escapes the dataset root, naming file and line', async () => {
    const file = join(dir, 'escape.jsonl');
    writeFileSync(
      file,
      `${JSON.stringify({ path: 'ok.mp4' })}\n\n${JSON.stringify({ path: '../../etc/passwd' })}\n`,
    );
    const err = await readManifest(file).catch((e) => e);
    expect(err).toBeInstanceOf(ManifestError);
    expect(err.details).toMatchObject({ path: file, line: 3, field: 'path' });
    expect(() => manifestFromEntries(dir, [{ path: '/etc/passwd' }])).toThrow(/escapes the dataset root/);
  });

  it.each([
    [{ path: 'a.mp4', label: '' }, 'label'],
    [{ path: 'a.mp4', label: -1 }, 'label'],
    [{ path: 'a.mp4', label: 'a', labels: ['b'] }, 'labels'],
    [{ path: 'a.mp4', caption: '  ' }, 'caption'],
    [{ path: '' }, 'path'],
    [{ path: 'a.mp4', segments: [{ start: 2, end: 1, label: 'x' }] }, 'segments.0'],
    [{ path: 'a.mp4', boxes: [{ time: 0, box: [0.5, 0, 0.2, 1], labels: ['x'] }] }, 'boxes.0.box'],
    [{ path: 'a.mp4', colour: 'red' }, 'colour'], // an unknown key is named
  ])('rejects bad row %j with field %s', async (row, field) => {
    const file = join(dir, 'bad.jsonl');
    writeFileSync(file, `${JSON.stringify({ path: 'fine.mp4' })}\n${JSON.stringify(row)}\n`);
    const err = await readManifest(file).catch((e) => e);
    expect(err).toBeInstanceOf(ManifestError);
    expect(err.details).toMatchObject({ path: file, line: 2, field });
  });

  it('rejects a line that is not JSON', async () => {
    const file = join(dir, 'nojson.jsonl');
    writeFileSync(file, '{"path": "a.mp4"}\n{path: b}\n');
    await expect(readManifest(file)).rejects.toMatchObject({ code: 'VIDEO_MANIFEST', details: { line: 2 } });
  });
});

describe('importers', () => {
  it('folder-per-class: sorted classes and files, videos only', async () => {
    const root = join(dir, 'ds');
    for (const [cls, files] of [
      ['walk', ['b.mp4', 'a.MKV', 'notes.txt', '.hidden.mp4']],
      ['jump', ['c.webm']],
    ] as const) {
      mkdirSync(join(root, cls), { recursive: true });
      for (const f of files) writeFileSync(join(root, cls, f), '');
    }
    expect(await importFolderPerClass(root, { split: 'train' })).toEqual([
      { path: 'jump/c.webm', label: 'jump', split: 'train' },
      { path: 'walk/a.MKV', label: 'walk', split: 'train' },
      { path: 'walk/b.mp4', label: 'walk', split: 'train' },
    ]);
  });

  it('Kinetics CSV: quoted labels, class-folder and flat layouts, unlabeled test rows', async () => {
    const csv = join(dir, 'k.csv');
    writeFileSync(
      csv,
      'label,youtube_id,time_start,time_end,split,is_cc\n' +
        '"passing American football (in game)",abc-_123XYZ,14,24,train,0\n' +
        'abseiling,zzz,0,10,val,0\n' +
        ',qqq,5,15,test,0\n',
    );
    expect(await importKineticsCsv(csv)).toEqual([
      {
        path: 'train/passing American football (in game)/abc-_123XYZ_000014_000024.mp4',
        split: 'train',
        label: 'passing American football (in game)',
      },
      { path: 'val/abseiling/zzz_000000_000010.mp4', split: 'val', label: 'abseiling' },
      { path: 'test/qqq_000005_000015.mp4', split: 'test' },
    ]);
    expect((await importKineticsCsv(csv, { layout: 'flat' })).map((r) => r.path)[0]).toBe(
      'abc-_123XYZ_000014_000024.mp4',
    );
    expect(kineticsFileName({ youtubeId: 'id', timeStart: 3, timeEnd: 13, split: 'x' }, '.webm')).toBe(
      'id_000003_000013.webm',
    );
    expect(splitCsvLine('a,"b,""c""",d')).toEqual(['a', 'b,"c"', 'd']);
  });

  it.each([
    ['label,youtube_id,time_start,split\nx,y,1,train\n', 1, 'time_end'],
    ['label,youtube_id,time_start,time_end,split\nx,../../etc,1,2,train\n', 2, 'youtube_id'],
    ['label,youtube_id,time_start,time_end,split\nx,id,5,2,train\n', 2, 'time_end'],
    ['label,youtube_id,time_start,time_end,split\n../x,id,1,2,train\n', 2, 'label'],
  ])('Kinetics CSV errors name the line and column (%#)', async (text, line, field) => {
    const csv = join(dir, 'bad.csv');
    writeFileSync(csv, text);
    await expect(importKineticsCsv(csv)).rejects.toMatchObject({
      code: 'VIDEO_MANIFEST',
      details: { path: csv, line, field },
    });
  });
});
