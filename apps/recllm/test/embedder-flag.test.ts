import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateCorpus, type Item, renderSyntheticClip } from '@vfmkit/recllm';
import { writeVideo } from '@vfmkit/video';
import { VideoTextModel } from '@vfmkit/videoprism-distill/onnx';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCorpus } from '../src/app-context';
import { main } from '../src/cli';
import { openVideoTextEmbedder } from '../src/video-text';

const root = mkdtempSync(join(tmpdir(), 'recllm-embedder-flag-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const run = join(root, 'stage1');
let manifest = '';
let items: Item[] = [];

beforeAll(async () => {
  // A real VideoPrism stage-1 run (4 steps of vfm-train videoprism-contrastive on 4 x 16 x 16 clips).
  const bin = fileURLToPath(new URL('../../trainer/bin/vfm-train.mjs', import.meta.url));
  execFileSync(
    process.execPath,
    [
      bin,
      'videoprism-contrastive',
      `--out=${run}`,
      '--no-progress',
      '--steps=4',
      '--batchSize=4',
      '--frames=4',
      '--size=16',
      '--model.variant=nano/8',
      '--model.tubeletFrames=2',
      '--data.source=synth4d',
      '--data.size=8',
      '--checkpointEvery=4',
      '--pictures=false',
    ],
    { stdio: 'ignore' },
  );
  mkdirSync(join(root, 'videos'));
  items = generateCorpus({ count: 2, seed: 3, idPrefix: 'ef' });
  const entries: unknown[] = [];
  for (const item of items) {
    const clip = renderSyntheticClip(item);
    const data = Float32Array.from(clip.data, (v) => Math.min(1, Math.max(0, v)));
    await writeVideo(join(root, 'videos', `${item.id}.mp4`), { data, shape: clip.shape }, { fps: 8 });
    entries.push({ ...item, media: { clipPath: `videos/${item.id}.mp4` } });
  }
  manifest = join(root, 'manifest.json');
  writeFileSync(manifest, JSON.stringify(entries));
}, 120_000);

describe('vfm-recllm --embedder', () => {
  it("indexes with a VideoPrism run's VideoTextModel: each item gets its video embedding from the model", async () => {
    const data = join(root, 'data');
    const log = console.log;
    console.log = () => {};
    try {
      expect(await main(['index', manifest, '--data', data, '--embedder', run, '--no-progress'])).toBe(0);
    } finally {
      console.log = log;
    }
    const embedder = await openVideoTextEmbedder(run);
    expect(embedder.name).toMatch(/^videoprism:[0-9a-f]{12}$/);
    const model = await VideoTextModel.load(join(run, 'videoprism'));
    const store = await openCorpus(data, embedder);
    try {
      expect(store.size).toBe(items.length);
      const text = await model.embedText([items[0].title]);
      const [query] = await embedder.embedText([items[0].title]);
      expect(Array.from(query)).toEqual(Array.from(text.data));
      for (const item of items) expect(store.get(item.id)?.videoEmbedding).toHaveLength(model.embedDim);
    } finally {
      await store.close();
      await model.dispose();
    }
  }, 60_000);

  it('a folder without a model stops the command before it writes anything', async () => {
    const data = join(root, 'never');
    const errors: string[] = [];
    const error = console.error;
    console.error = (line: string) => errors.push(line);
    try {
      expect(await main(['index', manifest, '--data', data, '--embedder', root])).toBe(2);
    } finally {
      console.error = error;
    }
    expect(errors[0]).toMatch(/--embedder .*: no video-text model there/);
    expect(existsSync(data)).toBe(false);
  });
});
