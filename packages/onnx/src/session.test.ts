import { ShapeError } from '@vfmkit/core';
import { describe, expect, it } from 'vitest';
import * as R from '../test/reference';
import { f32, Rng, randn } from '../test/test-utils';
import { CudaUnavailableError, OnnxRunError, OnnxSessionError } from './errors';
import { GraphBuilder } from './graph-builder';
import { cudaProviderFiles } from './internal/cuda-probe';
import { openSession, resetCudaProbe } from './session';

const probe = cudaProviderFiles();
const cudaInstalled = probe.known && probe.missing.length === 0;

/** x [batch, tokens, 8] -> LayerNorm -> linear 8x16 -> GELU -> mean over tokens -> [batch, 16]. */
function mlp(seed = 1) {
  const rng = new Rng(seed);
  const w = randn(rng, 8 * 16, 0.3);
  const b = randn(rng, 16);
  const g = new GraphBuilder({ config: { width: 8 } });
  const x = g.input('x', 'float32', ['batch', 'tokens', 8]);
  const ln = g.layerNorm(x, g.f32(new Float32Array(8).fill(1), [8]), g.f32(new Float32Array(8), [8]));
  g.output(g.reduceMean(g.gelu(g.linear(ln, w, [8, 16], b)), [1], false), 'float32', {
    name: 'y',
    dims: ['batch', 16],
  });
  const reference = (data: Float32Array, batch: number, tokens: number) => {
    const h = R.layerNorm(R.ref(data, [batch, tokens, 8]), new Array(8).fill(1), new Array(8).fill(0), 1e-5);
    const lin = R.elementwise([R.matmul(h, R.ref(w, [8, 16])), R.ref(b, [16])], (p, q) => p + q);
    return R.reduceMean(R.gelu(lin), [1], false);
  };
  return { g, reference };
}

describe('openSession', () => {
  it('symbolic batch runs at batch 1 and 7', async () => {
    const { g, reference } = mlp();
    const s = await openSession(g, { device: 'cpu' });
    expect(s.inputs).toEqual([{ name: 'x', dtype: 'float32', dims: ['batch', 'tokens', 8] }]);
    const rng = new Rng(3);
    for (const [batch, tokens] of [
      [1, 5],
      [7, 3],
    ]) {
      const data = randn(rng, batch * tokens * 8);
      const out = await s.run({ x: f32(data, [batch, tokens, 8]) });
      expect(out.y.dims).toEqual([batch, 16]);
      expect(R.maxAbsDiff(out.y.data as Float32Array, reference(data, batch, tokens).data)).toBeLessThan(
        1e-5,
      );
    }
    await s.dispose();
  });

  it('reuses output buffers for repeated shapes, unless asked not to', async () => {
    const { g, reference } = mlp();
    const rng = new Rng(4);
    const a = randn(rng, 2 * 3 * 8);
    const b = randn(rng, 2 * 3 * 8);
    const s = await openSession(g.toBuffer(), { device: 'cpu' });
    const first = await s.run({ x: f32(a, [2, 3, 8]) });
    const firstCopy = Float32Array.from(first.y.data as Float32Array);
    const second = await s.run({ x: f32(b, [2, 3, 8]) });
    expect(second.y.data).toBe(first.y.data);
    expect(R.maxAbsDiff(second.y.data as Float32Array, reference(b, 2, 3).data)).toBeLessThan(1e-5);
    expect(R.maxAbsDiff(firstCopy, reference(a, 2, 3).data)).toBeLessThan(1e-5);
    const third = await s.run({ x: f32(a, [2, 3, 8]) });
    expect(third.y.data).toBe(first.y.data);
    expect(R.maxAbsDiff(third.y.data as Float32Array, firstCopy)).toBe(0);
    const fresh = await openSession(g, { device: 'cpu', reuseOutputs: false });
    const r1 = await fresh.run({ x: f32(a, [2, 3, 8]) });
    const r2 = await fresh.run({ x: f32(a, [2, 3, 8]) });
    expect(r2.y.data).not.toBe(r1.y.data);
    await Promise.all([s.dispose(), fresh.dispose()]);
  });

  it('rejects bad feeds with typed errors before ONNX Runtime runs', async () => {
    const { g } = mlp();
    const s = await openSession(g, { device: 'cpu' });
    const x = f32(new Float32Array(2 * 3 * 8), [2, 3, 8]);
    await expect(s.run({})).rejects.toMatchObject({ code: 'ONNX_RUN', details: { input: 'x' } });
    await expect(s.run({ x, extra: x })).rejects.toBeInstanceOf(OnnxRunError);
    await expect(
      s.run({ x: { dtype: 'float64', data: new Float64Array(48), dims: [2, 3, 8] } }),
    ).rejects.toMatchObject({
      code: 'ONNX_RUN',
      details: { expected: 'float32', actual: 'float64' },
    });
    await expect(s.run({ x: f32(new Float32Array(2 * 3 * 9), [2, 3, 9]) })).rejects.toBeInstanceOf(
      ShapeError,
    );
    await expect(s.run({ x: f32(new Float32Array(5), [2, 3, 8]) })).rejects.toBeInstanceOf(OnnxRunError);
    await s.dispose();
  });

  it('rejects bytes that are not a model', async () => {
    await expect(openSession(new Uint8Array([1, 2, 3, 4]), { device: 'cpu' })).rejects.toBeInstanceOf(
      OnnxSessionError,
    );
  });

  describe.skipIf(cudaInstalled)('on a machine without the CUDA provider', () => {
    it("'auto' runs on CPU, says so once, and reports provider 'cpu'", async () => {
      resetCudaProbe();
      const lines: string[] = [];
      const { g } = mlp();
      const s1 = await openSession(g, { device: 'auto', log: (l) => lines.push(l) });
      const s2 = await openSession(g, { log: (l) => lines.push(l) });
      expect(s1.provider).toBe('cpu');
      expect(s2.provider).toBe('cpu');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/CUDA unavailable, running on CPU: .*onnxruntime_providers/);
      const out = await s1.run({ x: f32(new Float32Array(8), [1, 1, 8]) });
      expect(out.y.dims).toEqual([1, 16]);
      await Promise.all([s1.dispose(), s2.dispose()]);
    });

    it("'cuda' raises CudaUnavailableError with the install flag", async () => {
      const { g } = mlp();
      const err = await openSession(g, { device: 'cuda' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CudaUnavailableError);
      expect(err).toMatchObject({ code: 'ONNX_CUDA_UNAVAILABLE' });
      expect((err as Error).message).toContain('ONNXRUNTIME_NODE_INSTALL=cuda12');
    });
  });

  describe.skipIf(!cudaInstalled)('on a machine with the CUDA provider installed', () => {
    it("'auto' picks CUDA and matches the CPU result", async () => {
      const { g } = mlp();
      const gpu = await openSession(g, { device: 'auto' });
      const cpu = await openSession(g, { device: 'cpu' });
      const x = f32(randn(new Rng(5), 3 * 4 * 8), [3, 4, 8]);
      const [a, b] = [await gpu.run({ x }), await cpu.run({ x })];
      expect(gpu.provider).toBe('cuda');
      expect(R.maxAbsDiff(a.y.data as Float32Array, b.y.data as Float32Array)).toBeLessThan(1e-4);
    });
  });
});
