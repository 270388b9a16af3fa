import { describe, expect, it } from 'vitest';
import { initBackend, tf } from './backend';

describe('initBackend', () => {
  it('falls back to wasm here, saying why each better option was skipped, and logs once', async () => {
    const lines: string[] = [];
    const choice = await initBackend({ log: (l) => lines.push(l) });
    expect(['wasm', 'tensorflow']).toContain(choice.backend);
    if (choice.option === 'wasm') {
      expect(choice.skipped.map((s) => s.option)).toEqual(['tensorflow-gpu', 'tensorflow']);
      expect(choice.skipped[0].reason).toBe('not installed');
      expect(lines).toEqual([
        expect.stringMatching(/tfjs backend: wasm \(skipped tensorflow-gpu: not installed/),
      ]);
    }
    const again = await initBackend({ log: (l) => lines.push(l) });
    expect(again).toBe(choice);
    expect(lines.length).toBeLessThanOrEqual(1);
  });

  it('registers gradients and chained ops (the union package is loaded)', async () => {
    await initBackend({ backend: 'wasm', log: null });
    const g = tf.grad((x: tf.Tensor) => x.square().sum())(tf.tensor1d([1, 2]));
    expect(Array.from(g.dataSync())).toEqual([2, 4]);
  });

  it('switches when a backend is named, and a forced backend that cannot start is an error', async () => {
    expect((await initBackend({ backend: 'cpu', log: null })).backend).toBe('cpu');
    await expect(initBackend({ backend: 'tensorflow', log: null })).rejects.toMatchObject({
      code: 'NN_BACKEND',
      details: { tried: [{ backend: 'tensorflow', reason: 'not installed' }] },
    });
    await expect(initBackend({ backend: 'tpu' as never, log: null })).rejects.toThrow(/not one of/);
    expect((await initBackend({ backend: 'wasm', log: null })).backend).toBe('wasm');
  });
});
