import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VideoTokenizer } from '@vfmkit/tokenizer/onnx';
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

  it('names a folder without ONNX graphs', () => {
    expect(() => FrozenTokenizer.open(join(root, 'nope'))).toThrow(/lvmae.tokenizer/);
  });
});
