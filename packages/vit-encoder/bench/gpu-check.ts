/**
 * GPU check of the exported ViT encoder: ViT-S/16 (random weights) exported with the default contrib
 * fusions, fixed-size and one-graph-for-any-clip, run with `device: 'auto'` and on CPU. Prints the
 * provider that actually ran (and, when CUDA is unavailable, the one-line reason and how to install it),
 * and on CUDA the time per clip and the max difference to CPU. Exit 0: CUDA matched CPU, or CUDA is not
 * installed (stated); exit 1: CUDA and CPU disagree by more than 1e-3 relative.
 *
 *   npx tsx --conditions=@vfmkit/source packages/vit-encoder/bench/gpu-check.ts     (from the repository root)
 *   env: VFM_GPU_VARIANT=S  VFM_GPU_CLIP=16,224,224  VFM_GPU_BATCH=4
 */
import { Rng } from '@vfmkit/core';
import { decodeVariant, initVitWeights } from '../src/index';
import { exportVitOnnx, VideoEncoder } from '../src/onnx/index';

const variant = process.env.VFM_GPU_VARIANT ?? 'S';
const [T, H, W] = (process.env.VFM_GPU_CLIP ?? '16,224,224').split(',').map(Number);
const B = Number(process.env.VFM_GPU_BATCH ?? 4);
const config = decodeVariant(`${variant}/16`, { frames: T, imageSize: [H, W] });
const weights = initVitWeights(config, 3);
const rng = new Rng(1);
const clips = {
  data: new Float32Array(B * T * H * W * 3).map(() => rng.uniform()),
  shape: [B, T, H, W, 3] as const,
};
const graphs = {
  'fixed size': exportVitOnnx(config, weights),
  'any clip size (maxClip 2x)': exportVitOnnx(config, weights, { maxClip: [2 * T, 2 * H, 2 * W] }),
};

async function timed(bytes: Uint8Array, device: 'auto' | 'cpu') {
  const notes: string[] = [];
  const enc = await VideoEncoder.load(bytes, { device, log: (l) => notes.push(l) });
  const pooled = (await enc.embed(clips)).pooled;
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    await enc.embed(clips);
    times.push(performance.now() - t0);
  }
  const provider = enc.provider;
  await enc.dispose();
  return { provider, pooled, ms: times.sort((a, b) => a - b)[1], notes };
}

console.log(`ViT-${variant}/16, clips ${B} x ${T} x ${H} x ${W}`);
let failed = false;
for (const [name, bytes] of Object.entries(graphs)) {
  const gpu = await timed(bytes, 'auto');
  for (const n of gpu.notes) console.log(n);
  console.log(`${name}: device 'auto' ran on provider ${gpu.provider}`);
  if (gpu.provider !== 'cuda') {
    console.log(
      'CUDA provider unavailable: nothing to compare on the GPU. It needs Linux x64, CUDA 12 and cuDNN 9, and ' +
        '`ONNXRUNTIME_NODE_INSTALL=cuda12 npm install onnxruntime-node` (or npm rebuild with that variable).',
    );
    process.exit(0);
  }
  const cpu = await timed(bytes, 'cpu');
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < cpu.pooled.length; i++) {
    diff = Math.max(diff, Math.abs(cpu.pooled[i] - gpu.pooled[i]));
    scale = Math.max(scale, Math.abs(cpu.pooled[i]));
  }
  console.log(
    `${name}: cuda ${(gpu.ms / B).toFixed(1)} ms/clip, cpu ${(cpu.ms / B).toFixed(1)} ms/clip (median of 3), ` +
      `max |cuda - cpu| / max |cpu| = ${(diff / scale).toExponential(2)}`,
  );
  if (!(diff / scale < 1e-3)) failed = true;
}
console.log(failed ? 'FAIL: CUDA and CPU pooled outputs differ by more than 1e-3' : 'OK: CUDA matches CPU');
process.exit(failed ? 1 : 0);
