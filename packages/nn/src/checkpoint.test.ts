import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { float32ToFloat16, serializeSafetensors } from '@vfmkit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildModel, tinyConfig } from '../test/fixtures/tiny-model';
import { useWasm } from '../test/reference';
import type { tf } from './backend';
import { loadParams, paramsToTensors, saveParams } from './checkpoint';
import { initDense } from './dense';
import { createParams, disposeParams } from './params';

beforeAll(useWasm);
const dir = mkdtempSync(join(tmpdir(), 'vfm-nn-ckpt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('parameters <-> safetensors', () => {
  it('round-trips every parameter bit for bit, with metadata and names in order', async () => {
    const a = buildModel(tinyConfig);
    const b = buildModel({ ...tinyConfig, seed: 2 });
    const file = join(dir, 'tiny.safetensors');
    await saveParams(file, a.params, { config: JSON.stringify(tinyConfig) });
    const report = await loadParams(file, b.params);
    expect(report.missing).toEqual([]);
    expect(report.loaded).toEqual([...a.params.keys()]);
    expect(JSON.parse(report.metadata.config)).toEqual(tinyConfig);
    for (const [k, v] of a.params)
      expect(Array.from((b.params.get(k) as tf.Variable).dataSync())).toEqual(Array.from(v.dataSync()));
    disposeParams(a.params);
    disposeParams(b.params);
  });

  it('lists missing, unexpected and mis-shaped names, and assigns nothing', async () => {
    const model = createParams();
    initDense(model, 'fc', 4, 3, 1);
    initDense(model, 'head', 3, 2, 2);
    const other = createParams();
    initDense(other, 'fc', 4, 5, 3); // mis-shaped
    initDense(other, 'extra', 2, 2, 4); // unexpected; head.* missing
    const bytes = serializeSafetensors(await paramsToTensors(other));
    const before = Array.from((model.get('fc.weight') as tf.Variable).dataSync());
    const err = await loadParams(bytes, model).catch((e) => e);
    expect(err.code).toBe('CHECKPOINT');
    expect(err.details.missing).toEqual(['head.weight', 'head.bias']);
    expect(err.details.unexpected).toEqual(['extra.bias', 'extra.weight']); // file order: dtype, then name
    expect(err.details.misshaped).toHaveLength(2);
    expect(err.message).toMatch(/mis-shaped 2 \(fc.weight: file \[5, 4\] vs model \[3, 4\]/);
    expect(Array.from((model.get('fc.weight') as tf.Variable).dataSync())).toEqual(before);
    disposeParams(model);
    disposeParams(other);
  });

  it('loads F16 weights and tolerates unexpected names when not strict', async () => {
    const model = createParams();
    initDense(model, 'fc', 2, 1, 1, { bias: false });
    const bytes = serializeSafetensors({
      'fc.weight': { dtype: 'F16', shape: [1, 2], data: Uint16Array.from([1.5, -2].map(float32ToFloat16)) },
      'other.weight': { dtype: 'F32', shape: [1], data: new Float32Array([1]) },
    });
    const report = await loadParams(bytes, model, { strict: false });
    expect(report.unexpected).toEqual(['other.weight']);
    expect(Array.from((model.get('fc.weight') as tf.Variable).dataSync())).toEqual([1.5, -2]);
    disposeParams(model);
  });
});
