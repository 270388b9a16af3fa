import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clip, ClipBatch } from '@vfmkit/core';
import { generateCorpus, HashingEmbedder, type Item, renderSyntheticClip } from '@vfmkit/recllm';
import { decodeClip, probeVideo, uniformIndices, writeVideo } from '@vfmkit/video';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCorpus } from '../src/app-context';
import { runIndex } from '../src/index-command';
import { startServer } from '../src/serve';
import { type EmbeddingRows, type VideoTextEncoder, videoTextEmbedder } from '../src/video-text';

const D = 32;
const CLIP = [4, 8, 8] as const;

/**
 * A small real video-text model with VideoTextModel's shape (not a trained joint space): a clip's
 * embedding is the mean R, G, B of each of its T frames, then L2-normalised; a caption's is recllm's
 * hashing embedding. It counts its calls, to check the batching.
 */
class FrameColourModel implements VideoTextEncoder {
  readonly embedDim = D;
  readonly manifest = { clip: CLIP };
  readonly calls = { video: [] as number[], text: [] as number[] };
  private readonly text = new HashingEmbedder({ dim: D });

  async embedVideo(clips: ClipBatch): Promise<EmbeddingRows> {
    const [b, t, h, w] = clips.shape;
    this.calls.video.push(b);
    const out = new Float32Array(b * D);
    for (let i = 0; i < b; i++) {
      const row = out.subarray(i * D, (i + 1) * D);
      for (let f = 0; f < t; f++)
        for (let c = 0; c < 3; c++) {
          let s = 0;
          for (let p = 0; p < h * w; p++) s += clips.data[((i * t + f) * h * w + p) * 3 + c];
          row[f * 3 + c] = s / (h * w);
        }
      const n = Math.hypot(...row);
      for (let j = 0; j < D; j++) row[j] /= n;
    }
    return { data: out, shape: [b, D] };
  }

  async embedText(texts: readonly string[]): Promise<EmbeddingRows> {
    this.calls.text.push(texts.length);
    const vs = await this.text.embedText(texts);
    const out = new Float32Array(texts.length * D);
    vs.forEach((v, i) => {
      out.set(v, i * D);
    });
    return { data: out, shape: [texts.length, D] };
  }
}

function randomClip(seed: number): Clip {
  const data = new Float32Array(CLIP[0] * CLIP[1] * CLIP[2] * 3);
  for (let i = 0; i < data.length; i++) data[i] = ((i * 7919 + seed * 104729) % 1000) / 1000;
  return { data, shape: [...CLIP, 3] };
}

describe('videoTextEmbedder', () => {
  it('batches texts and clips and returns each row as the model computes it alone', async () => {
    const model = new FrameColourModel();
    const e = videoTextEmbedder(model, 'frame-colour-test', { textBatch: 16, videoBatch: 4 });
    expect([e.name, e.dim, e.clip]).toEqual(['frame-colour-test', D, [...CLIP]]);
    const texts = Array.from({ length: 37 }, (_, i) => `a red sphere number ${i} that bounces`);
    const vs = await e.embedText(texts);
    expect(model.calls.text).toEqual([16, 16, 5]);
    for (const i of [0, 15, 16, 36]) {
      const alone = await model.embedText([texts[i]]);
      expect(Array.from(vs[i])).toEqual(Array.from(alone.data));
    }
    const clips = Array.from({ length: 6 }, (_, i) => randomClip(i));
    const cv = await e.embedVideo(clips);
    expect(model.calls.video).toEqual([4, 2]);
    for (const i of [0, 3, 4, 5]) {
      const alone = await model.embedVideo({ data: clips[i].data, shape: [1, ...CLIP, 3] });
      expect(Array.from(cv[i])).toEqual(Array.from(alone.data));
    }
  });

  it('refuses clips of another size and model output of the wrong shape with EmbedderError', async () => {
    const model = new FrameColourModel();
    const e = videoTextEmbedder(model, 'frame-colour-test');
    const wrong: Clip = { data: new Float32Array(2 * 8 * 8 * 3), shape: [2, 8, 8, 3] };
    await expect(e.embedVideo([randomClip(0), wrong])).rejects.toMatchObject({
      code: 'RECLLM_EMBEDDER',
      message: expect.stringMatching(/takes clips \[4, 8, 8, 3\], got \[2, 8, 8, 3\] \(clip 1\)/),
    });
    const broken: VideoTextEncoder = {
      embedDim: D,
      manifest: { clip: CLIP },
      embedVideo: model.embedVideo.bind(model),
      embedText: async (texts) => ({ data: new Float32Array(texts.length * 8), shape: [texts.length, 8] }),
    };
    await expect(videoTextEmbedder(broken, 'broken').embedText(['x'])).rejects.toThrow(
      /returned \[1, 8\] .* expected \[1, 32\]/,
    );
    expect(() => videoTextEmbedder(model, '')).toThrow(/needs a name/);
    expect(() => videoTextEmbedder(model, 'x', { videoBatch: 0 })).toThrow(/videoBatch must be/);
  });
});

describe('indexing and serving through a video-text embedder', () => {
  let root: string;
  let manifest: string;
  let items: Item[];
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'recllm-vt-'));
    mkdirSync(join(root, 'videos'));
    items = generateCorpus({ count: 3, seed: 8, idPrefix: 'vt' });
    const entries: unknown[] = [];
    for (const item of items) {
      const clip = renderSyntheticClip(item);
      const data = Float32Array.from(clip.data, (v) => Math.min(1, Math.max(0, v)));
      await writeVideo(join(root, 'videos', `${item.id}.mp4`), { data, shape: clip.shape }, { fps: 8 });
      entries.push({ ...item, media: { clipPath: `videos/${item.id}.mp4` } });
    }
    manifest = join(root, 'manifest.json');
    writeFileSync(manifest, JSON.stringify(entries));
  }, 60_000);
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("stores each item's video embedding, embeds texts with the model, resumes, and serves with it", async () => {
    const model = new FrameColourModel();
    const embedder = videoTextEmbedder(model, 'frame-colour-test');
    const data = join(root, 'data');
    const r = await runIndex({ dataDir: data, manifest, embedder, progress: false });
    expect(r.indexed.sort()).toEqual(items.map((i) => i.id).sort());
    expect(r.failed).toEqual([]);
    const store = await openCorpus(data, embedder);
    try {
      for (const item of items) {
        // the model's embedding of the video decoded here at its clip size
        const file = join(root, 'videos', `${item.id}.mp4`);
        const info = await probeVideo(file);
        const clip = await decodeClip(file, {
          indices: uniformIndices(info.frameCount, CLIP[0]),
          size: { width: CLIP[2], height: CLIP[1] },
          info,
        });
        const want = await model.embedVideo({ data: clip.data, shape: [1, ...CLIP, 3] });
        const got = store.get(item.id)?.videoEmbedding ?? [];
        expect(got).toHaveLength(D);
        got.forEach((x, j) => {
          expect(x).toBeCloseTo(want.data[j], 6);
        });
      }
      const hits = await store.search({ query: items[1].title, mode: 'dense', k: 3 });
      expect(hits.some((h) => h.ranks.video !== undefined)).toBe(true);
    } finally {
      await store.close();
    }
    // the corpus was built with the model: the default (hashing) embedder cannot open it
    await expect(openCorpus(data)).rejects.toThrow(/was built with embedder 'frame-colour-test'/);
    const again = await runIndex({ dataDir: data, manifest, embedder, progress: false });
    expect(again.skipped.sort()).toEqual(items.map((i) => i.id).sort());
    const server = await startServer({ dataDir: data, port: 0, embedder });
    try {
      const s = (await (
        await fetch(`${server.url}/api/sessions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ userId: 'vt' }),
        })
      ).json()) as { sessionId: string };
      const reply = await fetch(`${server.url}/api/sessions/${s.sessionId}/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: `${items[0].title} please` }),
      });
      expect(reply.status).toBe(200);
      const body = (await reply.json()) as { recommendations: { id: string }[] };
      expect(body.recommendations.length).toBeGreaterThan(0);
    } finally {
      await server.close();
    }
  });
});
