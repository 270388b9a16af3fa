import { type ClipBatch, Rng } from '@vfmkit/core';
import { initBackend, tf } from '@vfmkit/nn';
import { openSession, tensor } from '@vfmkit/onnx';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportVideoTowerOnnx } from '../src/onnx/index';
import { VideoTower } from '../src/tfjs/index';

beforeAll(async () => {
  await initBackend({ backend: 'wasm', log: null });
});

const tower = {
  encoder: { width: 48, depth: 2, heads: 3, mlpDim: 96, frames: 4, imageSize: [32, 32], tubelet: [2, 8, 8] },
  poolHeads: 4,
} as const;

function clipsOf(b: number, seed: number): ClipBatch {
  const rng = new Rng(seed);
  const data = new Float32Array(b * 4 * 32 * 32 * 3);
  for (let i = 0; i < data.length; i++) data[i] = rng.uniform();
  return { data, shape: [b, 4, 32, 32, 3] };
}

describe('video tower ONNX export', () => {
  for (const attention of ['matmul', 'fused'] as const) {
    it(`embedding matches the tfjs tower to 1e-4 (${attention} attention)`, async () => {
      const t = VideoTower.create(tower as never, 21);
      // Livelier weights than the 0.02 init: scale every weight so the pool's attention is not uniform.
      const w = t.weights();
      const rng = new Rng(3);
      for (const [name, v] of w)
        if (!name.endsWith('norm.weight') && !name.includes('norm1') && !name.includes('norm2'))
          for (let i = 0; i < v.data.length; i++) v.data[i] += 0.05 * rng.normal();
      const live = VideoTower.create(tower as never, w);
      const clips = clipsOf(3, 9);
      const want = live.embed(clips);
      const session = await openSession(exportVideoTowerOnnx(tower as never, w, { attention }), {
        device: 'cpu',
      });
      const out = await session.run({ clips: tensor(clips.data, clips.shape) });
      const got = out.embedding.data as Float32Array;
      const ref = want.dataSync();
      expect(out.embedding.dims).toEqual([3, 48]);
      let err = 0;
      let scale = 0;
      for (let i = 0; i < ref.length; i++) {
        err = Math.max(err, Math.abs(got[i] - ref[i]));
        scale = Math.max(scale, Math.abs(ref[i]));
      }
      console.log(
        `video tower ONNX (${attention}) vs tfjs: max abs error ${err.toExponential(2)} (max |embedding| ${scale.toFixed(2)})`,
      );
      expect(scale).toBeGreaterThan(0.1);
      expect(err).toBeLessThan(1e-4);
      tf.dispose(want);
      await session.dispose();
      t.dispose();
      live.dispose();
    });
  }
});
