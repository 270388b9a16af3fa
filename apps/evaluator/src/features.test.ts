import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '@vfmkit/core';
import { FeatureCache } from '@vfmkit/probes';
import { decodeVariant, initVitWeights } from '@vfmkit/vit-encoder';
import { VideoEncoder, writeVitOnnx } from '@vfmkit/vit-encoder/onnx';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EvaluatorError } from './errors';
import { extractFeatureStream, extractFeatures } from './features';

const dir = mkdtempSync(join(tmpdir(), 'vfm-eval-features-'));
const onnx = join(dir, 'nano.onnx');
const config = decodeVariant('nano/8', { frames: 4, imageSize: [32, 32], exposeLayers: [0] });
const clipSize = 4 * 32 * 32 * 3;
let encoder: VideoEncoder;

function clip(i: number): Float32Array {
  const rng = new Rng(100 + i);
  return Float32Array.from({ length: clipSize }, () => rng.uniform());
}

/** A cache that tells how many rows have been written so far. */
class CountingCache extends FeatureCache {
  done = 0;
  override fill(...[key, rows, shardRows, compute]: Parameters<FeatureCache['fill']>) {
    return super.fill(key, rows, shardRows, async (start, n) => {
      const out = await compute(start, n);
      this.done = start + n;
      return out;
    });
  }
}

beforeAll(async () => {
  await writeVitOnnx(onnx, config, initVitWeights(config, 2, { std: 0.1 }));
  encoder = await VideoEncoder.load(onnx, { device: 'cpu', threads: 1 });
});
afterAll(async () => {
  await encoder.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('extractFeatureStream', () => {
  it('gives the features of embedding every clip at once, decoding at most prefetch + 2 batches ahead of the cache', async () => {
    const cache = new CountingCache(join(dir, 'cache'));
    const [count, batch, prefetch] = [23, 4, 2];
    let ahead = 0;
    const f = await extractFeatureStream(
      cache,
      encoder,
      onnx,
      'stream',
      count,
      async (i) => {
        ahead = Math.max(ahead, i + 1 - cache.done);
        await new Promise((r) => setTimeout(r, 1));
        return clip(i);
      },
      { batch, prefetch },
    );
    expect(f.computed).toBe(count);
    expect(ahead).toBeGreaterThan(batch); // really decodes ahead of the cache writes
    expect(ahead).toBeLessThanOrEqual((prefetch + 2) * batch);
    // Reference: one ONNX Runtime run over all 23 clips.
    const all = new Float32Array(count * clipSize);
    for (let i = 0; i < count; i++) all.set(clip(i), i * clipSize);
    const e = await encoder.embed({ data: all, shape: [count, 4, 32, 32, 3] });
    expect(f.tokens.shape).toEqual([count, 32, config.width]);
    const every = Array.from({ length: count }, (_, i) => i);
    const tokens = f.tokens.read(every);
    const layers = f.layers.read(every);
    let diff = 0;
    for (let i = 0; i < e.tokens.length; i++) diff = Math.max(diff, Math.abs(tokens[i] - e.tokens[i]));
    expect(diff).toBeLessThan(1e-5);
    // layers: the exposed block 0, then the final tokens
    expect(f.layers.shape).toEqual([count, 2, 32, config.width]);
    const n = 32 * config.width;
    const l0 = e.intermediates.get(0) as Float32Array;
    for (const b of [0, 22]) {
      expect(Math.abs(layers[b * 2 * n + 5] - l0[b * n + 5])).toBeLessThan(1e-5);
      expect(Math.abs(layers[(b * 2 + 1) * n + 7] - e.tokens[b * n + 7])).toBeLessThan(1e-5);
    }
    // a second call reads the cache
    const again = await extractFeatures(
      cache,
      encoder,
      onnx,
      'stream',
      Array.from({ length: count }, () => ({ rgb: new Float32Array(0) })),
      batch,
    );
    expect(again.computed).toBe(0);
    expect(again.tokens.read(every)).toEqual(tokens);
  });

  it('names a clip of the wrong size', async () => {
    const cache = new FeatureCache(join(dir, 'cache'));
    const err = await extractFeatureStream(cache, encoder, onnx, 'bad', 5, (i) =>
      i === 3 ? new Float32Array(10) : clip(i),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EvaluatorError);
    expect((err as Error).message).toMatch(/clip 3 holds 10 values, expected 4 x 32 x 32 x 3/);
  });
});
