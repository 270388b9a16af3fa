import { describe, expect, it } from 'vitest';
import * as R from '../test/reference';
import { Rng, randn } from '../test/test-utils';
import { OnnxRunError } from './errors';
import { GraphBuilder } from './graph-builder';
import { openSession } from './session';
import { runInSlices } from './slices';

/** x [batch, 4, 8] -> linear 8x16 -> GELU -> mean over tokens -> y [batch, 16]; ids [batch, 2] -> ids + ids. */
function model() {
  const rng = new Rng(1);
  const w = randn(rng, 8 * 16, 0.3);
  const g = new GraphBuilder();
  const x = g.input('x', 'float32', ['batch', 4, 8]);
  const ids = g.input('ids', 'int64', ['batch', 2]);
  g.output(g.reduceMean(g.gelu(g.linear(x, w, [8, 16])), [1], false), 'float32', {
    name: 'y',
    dims: ['batch', 16],
  });
  g.output(g.add(ids, ids), 'int64', { name: 'twice', dims: ['batch', 2] });
  const reference = (data: Float32Array, batch: number) =>
    R.reduceMean(R.gelu(R.matmul(R.ref(data, [batch, 4, 8]), R.ref(w, [8, 16]))), [1], false);
  return { g, reference };
}

describe('runInSlices', () => {
  it('joins the slices of every output along the batch axis (float64 reference, int64 by hand)', async () => {
    const { g, reference } = model();
    const s = await openSession(g, { device: 'cpu' });
    const B = 5;
    const x = randn(new Rng(2), B * 4 * 8);
    const ids = BigInt64Array.from({ length: B * 2 }, (_, i) => BigInt(i * 7 - 3));
    const want = reference(x, B);
    for (const perRun of [1, 2, 3, 5, Number.POSITIVE_INFINITY]) {
      const out = await runInSlices(
        s,
        {
          x: { dtype: 'float32', data: x, dims: [B, 4, 8] },
          ids: { dtype: 'int64', data: ids, dims: [B, 2] },
        },
        perRun,
      );
      expect(out.y.dims).toEqual([B, 16]);
      const y = out.y.data as Float32Array;
      for (let i = 0; i < y.length; i++) expect(Math.abs(y[i] - want.data[i])).toBeLessThan(1e-5);
      expect(out.twice.dims).toEqual([B, 2]);
      expect([...(out.twice.data as BigInt64Array)]).toEqual([...ids].map((v) => 2n * v));
    }
    await s.dispose();
  });

  it('names feeds that disagree on the batch, a perRun below 1, and an output without a batch axis', async () => {
    const { g } = model();
    const s = await openSession(g, { device: 'cpu' });
    const x = { dtype: 'float32' as const, data: new Float32Array(3 * 32), dims: [3, 4, 8] };
    const ids = (b: number) => ({ dtype: 'int64' as const, data: new BigInt64Array(b * 2), dims: [b, 2] });
    await expect(runInSlices(s, { x, ids: ids(2) }, 1)).rejects.toThrow(OnnxRunError);
    await expect(runInSlices(s, { x, ids: ids(2) }, 1)).rejects.toThrow("input 'ids' has batch 2, 'x' has 3");
    await expect(runInSlices(s, { x, ids: ids(3) }, 0)).rejects.toThrow(OnnxRunError);
    await s.dispose();

    const flat = new GraphBuilder();
    const v = flat.input('v', 'float32', ['batch', 3]);
    flat.output(flat.reduceMean(v, [0, 1], false), 'float32', { name: 'mean', dims: [] });
    const f = await openSession(flat, { device: 'cpu' });
    const feeds = { v: { dtype: 'float32' as const, data: new Float32Array(12), dims: [4, 3] } };
    await expect(runInSlices(f, feeds, 2)).rejects.toThrow("output 'mean' [] has no batch axis of 2 rows");
    expect((await runInSlices(f, feeds, 4)).mean.dims).toEqual([]);
    await f.dispose();
  });
});
