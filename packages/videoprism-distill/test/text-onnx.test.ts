import { CheckpointError, Rng } from '@vfmkit/core';
import { initBackend, tf } from '@vfmkit/nn';
import { openSession, tensor } from '@vfmkit/onnx';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseTextEncoderConfig, TextTokenizer, textWeightSpecs } from '../src/index';
import { buildTextGraph, exportTextOnnx } from '../src/onnx/index';
import { TextTransformer } from '../src/tfjs/index';
import { randomWeights, textEncoder64, to64 } from './text-reference';

beforeAll(async () => {
  await initBackend({ backend: 'wasm', log: null });
});

const config = parseTextEncoderConfig({
  vocabSize: 40,
  maxLength: 12,
  width: 32,
  depth: 2,
  heads: 4,
  mlpRatio: 2,
  embedDim: 16,
});

/** B random captions of `lengths[b]` real tokens padded with 0 to L. */
function batch(lengths: number[], l: number, seed: number) {
  const rng = new Rng(seed);
  const ids = new Int32Array(lengths.length * l);
  const mask = new Float32Array(lengths.length * l);
  lengths.forEach((n, b) => {
    for (let t = 0; t < n; t++) {
      ids[b * l + t] = 1 + Math.floor(rng.uniform() * (config.vocabSize - 1));
      mask[b * l + t] = 1;
    }
  });
  return { ids, mask, shape: [lengths.length, l] as [number, number] };
}

function tfjsEmbed(model: TextTransformer, ids: Int32Array, mask: Float32Array, shape: [number, number]) {
  const i = tf.tensor2d(ids, shape, 'int32');
  const m = tf.tensor2d(mask, shape);
  const out = model.forward(i, m);
  const data = out.dataSync().slice();
  tf.dispose([i, m, out]);
  return data as Float32Array;
}

const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let e = 0;
  for (let i = 0; i < a.length; i++) e = Math.max(e, Math.abs(a[i] - b[i]));
  return e;
};

describe('text tower on ONNX Runtime', () => {
  for (const pooling of ['mean', 'first'] as const) {
    it(`matches tfjs to 1e-4 (${pooling} pooling, int64 and int32 ids, full and short lengths)`, async () => {
      const c = { ...config, pooling };
      const weights = randomWeights(textWeightSpecs(c), 11);
      const model = TextTransformer.create(c, weights);
      const session = await openSession(exportTextOnnx(c, weights), { device: 'cpu' });
      const session32 = await openSession(exportTextOnnx(c, weights, { idsType: 'int32' }), {
        device: 'cpu',
      });
      for (const [lengths, l] of [
        [[12, 5, 1, 9], 12],
        [[7, 3], 7],
      ] as const) {
        const { ids, mask, shape } = batch([...lengths], l, l);
        const ours = tfjsEmbed(model, ids, mask, shape);
        const out = await session.run({
          ids: tensor(
            BigInt64Array.from(ids, (v) => BigInt(v)),
            shape,
          ),
          mask: tensor(mask, shape),
        });
        expect(out.embedding.dims).toEqual([shape[0], c.embedDim]);
        const ort = out.embedding.data as Float32Array;
        const err = maxAbs(ort, ours);
        expect(err).toBeLessThan(1e-4);
        const out32 = await session32.run({ ids: tensor(ids, shape), mask: tensor(mask, shape) });
        expect(maxAbs(out32.embedding.data as Float32Array, ours)).toBeLessThan(1e-4);
        // Both against the float64 reference, row 0.
        const ref = textEncoder64(to64(weights), c, [...ids.subarray(0, l)], [...mask.subarray(0, l)]);
        expect(maxAbs(ort.subarray(0, c.embedDim), ref)).toBeLessThan(1e-4);
        expect(Math.max(...ref.map(Math.abs))).toBeGreaterThan(0.1);
      }
      await session.dispose();
      await session32.dispose();
      model.dispose();
    });
  }

  it('embeds tokenized captions end to end (tokenizer -> ONNX) like tfjs', async () => {
    const tok = await TextTokenizer.train(
      ['a red cube slides left.', 'a blue sphere bounces.', 'the camera pans right.', 'a green cone spins.'],
      { vocabSize: 60 },
    );
    const c = parseTextEncoderConfig({ ...config, vocabSize: tok.vocabSize });
    const model = TextTransformer.create(c, 5);
    const session = await openSession(exportTextOnnx(c, model.weights()), { device: 'cpu' });
    const enc = tok.encode(['a red sphere spins.', 'the blue cube bounces left.'], c.maxLength);
    const ours = tfjsEmbed(model, enc.ids, enc.mask, enc.shape);
    const out = await session.run({
      ids: tensor(
        BigInt64Array.from(enc.ids, (v) => BigInt(v)),
        enc.shape,
      ),
      mask: tensor(enc.mask, enc.shape),
    });
    expect(maxAbs(out.embedding.data as Float32Array, ours)).toBeLessThan(1e-4);
    await session.dispose();
    model.dispose();
  });

  it('exports fp16 and int8 weights that stay close to fp32', async () => {
    const weights = randomWeights(textWeightSpecs(config), 13, 0.1);
    const model = TextTransformer.create(config, weights);
    const { ids, mask, shape } = batch([12, 6, 3], 12, 3);
    const ours = tfjsEmbed(model, ids, mask, shape);
    model.dispose();
    const feeds = {
      ids: tensor(
        BigInt64Array.from(ids, (v) => BigInt(v)),
        shape,
      ),
      mask: tensor(mask, shape),
    };
    const cosines: Record<string, number[]> = {};
    for (const storage of ['float16', 'int8'] as const) {
      const session = await openSession(exportTextOnnx(config, weights, { weights: storage }), {
        device: 'cpu',
      });
      const got = (await session.run(feeds)).embedding.data as Float32Array;
      await session.dispose();
      cosines[storage] = [0, 1, 2].map((r) => {
        const a = got.subarray(r * 16, r * 16 + 16);
        const b = ours.subarray(r * 16, r * 16 + 16);
        let ab = 0;
        let aa = 0;
        let bb = 0;
        for (let j = 0; j < 16; j++) {
          ab += a[j] * b[j];
          aa += a[j] * a[j];
          bb += b[j] * b[j];
        }
        return ab / Math.sqrt(aa * bb);
      });
    }
    for (const c of cosines.float16) expect(c).toBeGreaterThan(0.9999);
    for (const c of cosines.int8) expect(c).toBeGreaterThan(0.99);
  });

  it('rejects weights that do not fit the config', () => {
    const weights = randomWeights(textWeightSpecs(config), 1);
    weights.delete('proj.bias');
    expect(() => buildTextGraph(config, weights)).toThrow(CheckpointError);
  });
});
