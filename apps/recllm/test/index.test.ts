import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as lancedb from '@lancedb/lancedb';
import { generateCorpus, type Item, renderSyntheticClip } from '@vfmkit/recllm';
import { decodeClip, probeVideo, uniformIndices, writeVideo } from '@vfmkit/video';
import { decodeVariant, initVitWeights } from '@vfmkit/vit-encoder';
import { exportVitOnnx, VideoEncoder } from '@vfmkit/vit-encoder/onnx';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { referenceService } from '../../../test-support/reference-tools';
import { openCorpus } from '../src/app-context';
import { runIndex } from '../src/index-command';
import { featuresPath } from '../src/indexer';
import { IndexLedger } from '../src/ledger';
import { buildServer } from '../src/server';
import { VideoFeatureStore } from '../src/video-features';
import { type CliProcess, startCli } from './cli-process';

// Debian's redis-server; in CI a missing one fails here instead of skipping.
const REDIS = referenceService('redis-server');

let root: string;
let manifest: string;
let vitPath: string;
let items: Item[];
const GOOD = 12;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'recllm-index-'));
  mkdirSync(join(root, 'videos'));
  items = generateCorpus({ count: GOOD, seed: 3, idPrefix: 'vid' });
  const entries: unknown[] = [];
  for (const item of items) {
    const clip = renderSyntheticClip(item);
    // synth4d renders linear RGB; the file holds sRGB-ish bytes, as a camera would write
    const srgb = Float32Array.from(clip.data, (v) => Math.min(1, Math.max(0, v)) ** (1 / 2.2));
    await writeVideo(join(root, 'videos', `${item.id}.mp4`), { data: srgb, shape: clip.shape }, { fps: 8 });
    entries.push({ ...item, media: { clipPath: `videos/${item.id}.mp4` } });
  }
  // one entry whose "video" is not a video: it must end in the failed set, not crash the run
  writeFileSync(join(root, 'videos', 'broken.mp4'), 'this is not an mp4');
  entries.push({ ...items[0], id: 'vid-broken', media: { clipPath: 'videos/broken.mp4' } });
  manifest = join(root, 'manifest.json');
  writeFileSync(manifest, JSON.stringify({ items: entries }));
  // a tiny random-weight vit-encoder exported to ONNX: the video feature model of the local run
  const config = decodeVariant('nano/8', { frames: 4, imageSize: [16, 16] });
  vitPath = join(root, 'vit.onnx');
  writeFileSync(vitPath, exportVitOnnx(config, initVitWeights(config, 1, { std: 0.2 })));
}, 60_000);
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function tableRows(dataDir: string): Promise<string[]> {
  const db = await lancedb.connect(join(dataDir, 'corpus'));
  const table = await db.openTable('items');
  const rows = (await table.query().select(['id']).toArray()) as { id: string }[];
  return rows.map((r) => r.id).sort();
}

it('indexes a manifest locally, writes thumbnails, reports failures, and resumes by content hash', async () => {
  const data = join(root, 'local');
  const r1 = await runIndex({
    dataDir: data,
    manifest,
    attempts: 2,
    backoffMs: 10,
    progress: false,
    encoder: vitPath,
  });
  expect(r1.indexed.sort()).toEqual(items.map((i) => i.id).sort());
  expect(r1.failed.map((f) => f.id)).toEqual(['vid-broken']);
  expect(r1.failed[0].reason).toMatch(/broken\.mp4/);
  const store = await openCorpus(data);
  const first = store.get('vid-0');
  expect(first?.media?.thumbnailPath).toBe('vid-0.png');
  await store.close();
  const png = PNG.sync.read(
    await import('node:fs').then((fs) => fs.readFileSync(join(data, 'media', 'vid-0.png'))),
  );
  expect([png.width, png.height]).toEqual([128, 128]);
  // the thumbnail is the video's first frame: compare with the rendered clip's first frame (sRGB, h264 loss)
  const clip = renderSyntheticClip(items[0]);
  let err = 0;
  for (let y = 0; y < 64; y++)
    for (let x = 0; x < 64; x++)
      for (let c = 0; c < 3; c++) {
        const want = Math.min(1, Math.max(0, clip.data[(y * 64 + x) * 3 + c])) ** (1 / 2.2) * 255;
        const got =
          (png.data[(2 * y * 128 + 2 * x) * 4 + c] + png.data[((2 * y + 1) * 128 + 2 * x + 1) * 4 + c]) / 2;
        err += Math.abs(want - got);
      }
  expect(err / (64 * 64 * 3)).toBeLessThan(12);

  // video features: the encoder's pooled output for 4 frames spread over the file, at 16 x 16
  const encoder = await VideoEncoder.load(vitPath, { device: 'cpu', log: () => {} });
  const file = join(root, 'videos', 'vid-0.mp4');
  const info = await probeVideo(file);
  const clip0 = await decodeClip(file, {
    indices: uniformIndices(info.frameCount, 4),
    size: { width: 16, height: 16 },
  });
  const want = (await encoder.embed({ data: clip0.data, shape: [1, 4, 16, 16, 3] })).pooled;
  const features = new VideoFeatureStore(featuresPath(data));
  const got = features.get('vid-0')?.vector as Float32Array;
  expect(got.length).toBe(64);
  for (let d = 0; d < 64; d++) expect(got[d]).toBeCloseTo(want[d], 5);
  // "more like this": cosine over the stored features, checked against a float64 recomputation
  const vec = (id: string) => Array.from(features.get(id)?.vector as Float32Array);
  const cos = (a: number[], b: number[]) => {
    let ab = 0;
    let aa = 0;
    let bb = 0;
    for (let d = 0; d < a.length; d++) {
      ab += a[d] * b[d];
      aa += a[d] * a[d];
      bb += b[d] * b[d];
    }
    return ab / Math.sqrt(aa * bb);
  };
  const expected = items
    .filter((i) => i.id !== 'vid-0')
    .map((i) => ({ id: i.id, score: cos(vec('vid-0'), vec(i.id)) }))
    .sort((a, b) => b.score - a.score)
    .slice(0, 3);
  features.close();
  const st = await openCorpus(data);
  const app = buildServer({
    manager: undefined as never,
    store: st,
    sessions: undefined as never,
    mediaDir: join(data, 'media'),
    featuresPath: featuresPath(data),
  });
  const sim = await app.inject('/api/items/vid-0/similar?k=3');
  expect(sim.statusCode).toBe(200);
  const hits = sim.json().similar as { id: string; score: number }[];
  expect(hits.map((h) => h.id)).toEqual(expected.map((e) => e.id));
  for (const [i, h] of hits.entries()) expect(h.score).toBeCloseTo(expected[i].score, 5);
  expect((await app.inject('/api/items/vid-0/similar?k=0')).statusCode).toBe(400);
  expect((await app.inject('/api/items/nope/similar')).statusCode).toBe(404);
  await app.close();
  await st.close();

  const r2 = await runIndex({ dataDir: data, manifest, attempts: 1, progress: false, encoder: vitPath });
  expect(r2.indexed).toEqual([]);
  expect(r2.skipped.sort()).toEqual(items.map((i) => i.id).sort());
  // a changed entry is indexed again, the rest skipped
  const changed = JSON.parse(await import('node:fs').then((fs) => fs.readFileSync(manifest, 'utf8')));
  changed.items[3].title = 'A retitled video';
  const manifest2 = join(root, 'manifest2.json');
  writeFileSync(manifest2, JSON.stringify(changed));
  const r3 = await runIndex({ dataDir: data, manifest: manifest2, attempts: 1, progress: false });
  expect(r3.indexed).toEqual([items[3].id]);
  expect(await tableRows(data)).toEqual(items.map((i) => i.id).sort());
});

function freePort(): Promise<number> {
  return new Promise((ok) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => ok(port));
    });
  });
}

it.skipIf(!REDIS)(
  'fans out over BullMQ to 2 workers; killing one mid-run loses nothing and duplicates nothing',
  async () => {
    const port = await freePort();
    const redis: ChildProcess = spawn(
      REDIS as string,
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    await new Promise<void>((ok, fail) => {
      let out = '';
      const timer = setTimeout(() => fail(new Error(`redis-server did not start: ${out}`)), 15_000);
      redis.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('Ready to accept connections')) {
          clearTimeout(timer);
          ok();
        }
      });
    });
    const workers: CliProcess[] = [];
    try {
      const queue = `redis://127.0.0.1:${port}`;
      const data = join(root, 'queued');
      const workerArgs = ['worker', '--data', data, '--queue', queue, '--lock-ms', '1500'];
      workers.push(startCli(workerArgs), startCli(workerArgs));
      await Promise.all(workers.map((w) => w.waitFor(/worker ready/)));
      const indexer = startCli([
        'index',
        manifest,
        '--data',
        data,
        '--queue',
        queue,
        '--attempts',
        '2',
        '--backoff-ms',
        '100',
        '--no-progress',
      ]);
      // kill worker 0 as soon as it has finished one job (it is then busy with, or about to take, the next)
      await workers[0].waitFor(/^indexed vid-/m);
      workers[0].child.kill('SIGKILL');
      expect(await indexer.exited).toBe(1);
      expect(indexer.stdout).toMatch(/indexed 12, skipped 0 \(already indexed\), failed 1/);
      expect(indexer.stdout).toMatch(/failed vid-broken: .*broken\.mp4/);
      // every item exactly once in the LanceDB table, and once in the ledger
      expect(await tableRows(data)).toEqual(items.map((i) => i.id).sort());
      const ledger = new IndexLedger(join(data, 'index-ledger.db'));
      for (const i of items) expect(ledger.get(i.id)).toMatch(/^[0-9a-f]{64}$/);
      expect(ledger.get('vid-broken')).toBeUndefined();
      ledger.close();
      // both workers did work, and between them every item was indexed (the killed worker's job ran again on the other)
      const done = (w: CliProcess) => [...w.stdout.matchAll(/^indexed (vid-\d+)/gm)].map((m) => m[1]);
      expect(done(workers[0]).length).toBeGreaterThan(0);
      expect(done(workers[1]).length).toBeGreaterThan(0);
      expect(new Set([...done(workers[0]), ...done(workers[1])]).size).toBe(GOOD);
      // running index again queues nothing new: everything is skipped by content hash
      const again = startCli([
        'index',
        manifest,
        '--data',
        data,
        '--queue',
        queue,
        '--attempts',
        '1',
        '--no-progress',
      ]);
      await again.exited;
      expect(again.stdout).toMatch(/12 already indexed, 1 to do/);
    } finally {
      for (const w of workers) if (w.child.exitCode === null) w.child.kill('SIGTERM');
      await Promise.all(workers.map((w) => w.exited));
      redis.kill('SIGTERM');
    }
  },
  60_000,
);
