import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assignParams, paramsToTensors, tf } from '@vfmkit/nn';
import { VideoTokenizer } from '@vfmkit/tokenizer/onnx';
import { loadTokenizer, stackClips, TokenizerModel } from '@vfmkit/tokenizer/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { FrozenTokenizer } from '../src/recipes/lvmae-tokenizer';
import { writeTokenizerRun } from './lvmae-fixture';

const root = mkdtempSync(join(tmpdir(), 'vfm-lvtok-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function clip(seed: number, t = 4, s = 16) {
  const data = new Float32Array(t * s * s * 3);
  for (let i = 0; i < data.length; i++) data[i] = ((i * 7919 + seed * 104729) % 1000) / 1000;
  return { data, shape: [t, s, s, 3] as [number, number, number, number] };
}

describe('FrozenTokenizer', () => {
  it('answers synchronously with the ids and priorities of ONNX Runtime, cached per clip', async () => {
    const dir = await writeTokenizerRun(join(root, 'tok'), 4, 16);
    const frozen = FrozenTokenizer.open(dir);
    expect(frozen.grid).toEqual({ t: 2, h: 2, w: 2 });
    const a = clip(1);
    const b = clip(2);
    const out = frozen.encode([a, b, a]);
    expect(frozen.encodeCalls).toBe(1);
    const again = frozen.encode([b]);
    expect(frozen.encodeCalls).toBe(1);
    expect(again[0]).toBe(out[1]);
    const direct = await VideoTokenizer.load(
      join(dir, 'tokenizer-encoder.onnx'),
      join(dir, 'tokenizer-decoder.onnx'),
    );
    const data = new Float32Array(2 * a.data.length);
    data.set(a.data);
    data.set(b.data, a.data.length);
    const ref = await direct.encode({ data, shape: [2, 4, 16, 16, 3] });
    expect([...out[0].ids, ...out[1].ids]).toEqual([...ref.ids]);
    expect([...out[0].priorities, ...out[1].priorities]).toEqual([...ref.priorities]);
    expect([...out[2].ids]).toEqual([...out[0].ids]);
    await direct.dispose();
    frozen.close();
  });

  it('exports a checkpoint at another clip length: an 8-frame tokenizer tokenizes 16-frame clips as tfjs does', async () => {
    const dir = await writeTokenizerRun(join(root, 'ckpt'), 8, 16, {}, { onnx: false, checkpoint: true });
    expect(() => FrozenTokenizer.open(dir)).toThrow(/tokenizer-encoder.onnx does not exist/);
    const frozen = FrozenTokenizer.open(dir, [16, 16, 16]);
    expect(frozen.clip).toEqual([16, 16, 16]);
    expect(frozen.grid).toEqual({ t: 8, h: 2, w: 2 });
    const clips = [clip(3, 16), clip(4, 16)];
    const out = frozen.encode(clips);
    frozen.close();
    // tfjs: the same weights in a model built for 16-frame clips
    const saved = await loadTokenizer(join(dir, 'tokenizer.safetensors'));
    const model = new TokenizerModel({ ...saved.config, frames: 16 }, 0);
    assignParams(model.params, await paramsToTensors(saved.params), { strict: true });
    saved.dispose();
    const x = stackClips(clips);
    const ids = tf.tidy(() => Array.from(model.reconstruct(x).ids.dataSync()));
    x.dispose();
    model.dispose();
    expect([...out[0].ids, ...out[1].ids]).toEqual(ids);
  });

  it('names a folder without ONNX graphs', () => {
    expect(() => FrozenTokenizer.open(join(root, 'nope'))).toThrow(/lvmae.tokenizer/);
  });
});
