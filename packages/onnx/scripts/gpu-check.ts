/**
 * Runs a small ViT encoder with ONNX Runtime on CUDA (device 'auto') and on CPU, and compares them.
 * Exits 0 with a clear message when the CUDA provider is not installed; 1 when CUDA and CPU disagree.
 *
 *   bash packages/onnx/scripts/gpu-check.sh
 */
import { Rng } from '@vfmkit/core';
import { buildTinyVit } from '../bench/tiny-vit';
import { openSession, type TypedTensor } from '../src/index';

const config = { tokens: 196, width: 384, heads: 6, depth: 4, mlpRatio: 4 };
const batch = 8;
const model = buildTinyVit(config).toBuffer();
const rng = new Rng(1);
const data = new Float32Array(batch * config.tokens * config.width);
for (let i = 0; i < data.length; i++) data[i] = rng.normal();
const feeds: Record<string, TypedTensor> = {
  tokens: { dtype: 'float32', data, dims: [batch, config.tokens, config.width] },
};

async function timed(device: 'auto' | 'cpu') {
  const notes: string[] = [];
  const s = await openSession(model, { device, log: (l) => notes.push(l) });
  const first = await s.run(feeds);
  const out = Float32Array.from(first.embedding.data as Float32Array);
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    await s.run(feeds);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  await s.dispose();
  return { provider: s.provider, out, ms: times[2], notes };
}

console.log(
  `model: ViT ${config.depth} blocks, width ${config.width}, ${config.tokens} tokens, batch ${batch}`,
);
const gpu = await timed('auto');
for (const n of gpu.notes) console.log(n);
console.log(`device 'auto' ran on provider: ${gpu.provider}`);
if (gpu.provider !== 'cuda') {
  console.log('CUDA provider unavailable: nothing to compare on the GPU (see the line above for why).');
  console.log(
    'To enable it: ONNXRUNTIME_NODE_INSTALL=cuda12 npm install onnxruntime-node (internet + CUDA 12 needed).',
  );
  process.exit(0);
}
const cpu = await timed('cpu');
let diff = 0;
for (let i = 0; i < cpu.out.length; i++) diff = Math.max(diff, Math.abs(cpu.out[i] - gpu.out[i]));
console.log(
  `cuda: ${gpu.ms.toFixed(1)} ms/run, cpu: ${cpu.ms.toFixed(1)} ms/run (median of 5), speed-up ${(cpu.ms / gpu.ms).toFixed(1)}x`,
);
console.log(`max |cuda - cpu| = ${diff.toExponential(2)} over ${cpu.out.length} outputs`);
if (!(diff < 1e-3)) {
  console.log('FAIL: CUDA and CPU outputs differ by more than 1e-3');
  process.exit(1);
}
console.log('OK: CUDA matches CPU');
