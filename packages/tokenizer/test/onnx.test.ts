import { ConfigError, Rng, ShapeError } from '@vfmkit/core';
import { initBackend, paramsToTensors, tf } from '@vfmkit/nn';
import { beforeAll, describe, expect, it } from 'vitest';
import { fsqBound, type TokenizerConfigInput } from '../src/index';
import { exportTokenizerOnnx, VideoTokenizer } from '../src/onnx/index';
import { TokenizerModel } from '../src/tfjs/index';

beforeAll(async () => {
  await initBackend({ backend: 'wasm', log: null });
});

const base: TokenizerConfigInput = {
  frames: 4,
  imageSize: [8, 16],
  downsample: [2, 4, 4],
  widths: [4, 8, 8],
  resBlocks: [1, 1, 1],
  scorer: { width: 4, layers: 2 },
};

/** A model whose weights are redrawn at a larger scale so latents spread over many codes. */
function spreadModel(config: TokenizerConfigInput, seed: number): TokenizerModel {
  const model = new TokenizerModel(config, seed);
  const rng = new Rng(seed + 100);
  for (const v of model.params.values()) {
    const fan = v.rank === 5 ? v.size / (v.shape[0] as number) : 1;
    const data = Float32Array.from({ length: v.size }, () => (rng.normal() * 1.2) / Math.sqrt(fan));
    tf.tidy(() => v.assign(tf.tensor(data, v.shape)));
  }
  return model;
}

function clips(b: number, seed: number) {
  const rng = new Rng(seed);
  const shape = [b, 4, 8, 16, 3] as const;
  return { data: Float32Array.from({ length: b * 4 * 8 * 16 * 3 }, () => rng.uniform()), shape };
}

const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

describe('ONNX export and VideoTokenizer (ONNX Runtime) against the tfjs model', () => {
  const quantizers: ({ kind: 'fsq'; levels: number[] } | { kind: 'lfq'; bits: number })[] = [
    { kind: 'fsq', levels: [8, 5, 4] },
    { kind: 'lfq', bits: 5 },
  ];
  for (const quantizer of quantizers) {
    it(`${quantizer.kind}: ids, codes, priorities and decoded clips agree`, async () => {
      const config = { ...base, quantizer };
      const model = spreadModel(config, 3);
      const { encoder, decoder } = exportTokenizerOnnx(model.config, await paramsToTensors(model.params));
      const tok = await VideoTokenizer.load(encoder, decoder, { device: 'cpu', threads: 1 });
      const batch = clips(3, 9);
      const ort = await tok.encode(batch);
      expect(ort.dims).toEqual([3, 16, quantizer.kind === 'fsq' ? 3 : 5]);
      const x = tf.tensor(batch.data, [...batch.shape]);
      const ref = tf.tidy(() => {
        const { latents, codes, priorities } = model.forward(x);
        return {
          latents: latents.dataSync(),
          codes: codes.dataSync(),
          priorities: priorities.dataSync(),
          ids: model.ids(codes).dataSync(),
        };
      });
      // ids equal except where a latent sits within 1e-4 of a rounding boundary (FSQ) or of 0 (LFQ)
      const d = ort.dims[2];
      const near =
        quantizer.kind === 'fsq'
          ? Array.from(fsqBound(ref.latents, quantizer.levels), (v) => Math.abs(Math.abs(v % 1) - 0.5) < 1e-4)
          : Array.from(ref.latents, (v) => Math.abs(v) < 1e-4);
      let compared = 0;
      for (let i = 0; i < ort.ids.length; i++) {
        if (near.slice(i * d, (i + 1) * d).some(Boolean)) continue;
        compared++;
        expect(ort.ids[i]).toBe(ref.ids[i]);
      }
      expect(compared).toBeGreaterThan(ort.ids.length * 0.9);
      expect(new Set(ort.ids).size).toBeGreaterThanOrEqual(3);
      expect(maxAbs(ort.latents, ref.latents)).toBeLessThan(1e-4);
      const scale = Math.max(...Array.from(ref.priorities, Math.abs));
      expect(maxAbs(ort.priorities, ref.priorities) / scale).toBeLessThan(1e-4);
      // decoding: ids -> codes -> clips, and with half of the tokens dropped (zeroed)
      const keep = Array.from(ort.ids, (_, i) => i % 2);
      const decoded = await tok.decode(ort.ids);
      const dropped = await tok.decode(ort.ids, keep);
      const refDecoded = tf.tidy(() => {
        const codes = tf.tensor(tok.codesOf(ort.ids), [3, 2, 2, 4, d]);
        const mask = tf.tensor2d(keep, [3, 16]);
        return [model.decode(codes).dataSync(), model.decode(model.maskCodes(codes, mask)).dataSync()];
      });
      expect(decoded.shape).toEqual([3, 4, 8, 16, 3]);
      expect(maxAbs(decoded.data, refDecoded[0])).toBeLessThan(1e-4);
      expect(maxAbs(dropped.data, refDecoded[1])).toBeLessThan(1e-4);
      expect(maxAbs(decoded.data, dropped.data)).toBeGreaterThan(1e-3);
      x.dispose();
      await tok.dispose();
      model.dispose();
    });
  }

  it('typed errors: another clip size, swapped graphs', async () => {
    const model = new TokenizerModel({ ...base, quantizer: { kind: 'fsq', levels: [4, 4] } }, 1);
    const { encoder, decoder } = exportTokenizerOnnx(model.config, await paramsToTensors(model.params));
    const tok = await VideoTokenizer.load(encoder, decoder, { device: 'cpu' });
    await expect(
      tok.encode({ data: new Float32Array(4 * 8 * 8 * 3), shape: [1, 4, 8, 8, 3] }),
    ).rejects.toThrow(ShapeError);
    await expect(VideoTokenizer.load(decoder, encoder, { device: 'cpu' })).rejects.toThrow(ConfigError);
    await tok.dispose();
    model.dispose();
  });
});
