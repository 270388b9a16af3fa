/**
 * Builds a small video-ViT-style encoder as ONNX (fp32 and int8 weights), writes it, reads its config
 * back, and runs it with ONNX Runtime on CUDA if available, else CPU.
 *
 *   npm run demo -w @vfmkit/onnx
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '@vfmkit/core';
import { buildTinyVit } from '../bench/tiny-vit';
import { openSession, readModelInfo } from '../src/index';

const config = { tokens: 49, width: 64, heads: 4, depth: 2, mlpRatio: 4 };
const dir = mkdtempSync(join(tmpdir(), 'vfm-onnx-demo-'));
try {
  const path = join(dir, 'vit.onnx');
  const g = buildTinyVit(config);
  await g.writeFile(path);
  const info = await readModelInfo(path);
  console.log(
    `wrote ${path}: opset ${info.opsets['ai.onnx']}, ${info.nodeCount} nodes, config ${JSON.stringify(info.config)}`,
  );
  const session = await openSession(path, { device: 'auto' });
  console.log(`session.provider = ${session.provider}; inputs ${JSON.stringify(session.inputs)}`);
  const int8 = await openSession(buildTinyVit(config, { weights: 'int8' }), { device: 'cpu' });
  const rng = new Rng(0);
  for (const batch of [1, 3]) {
    const data = new Float32Array(batch * config.tokens * config.width).map(() => rng.normal());
    const feeds = { tokens: { dtype: 'float32' as const, data, dims: [batch, config.tokens, config.width] } };
    const fp = (await session.run(feeds)).embedding;
    const q = (await int8.run(feeds)).embedding;
    const a = fp.data as Float32Array;
    const b = q.data as Float32Array;
    let ab = 0,
      aa = 0,
      bb = 0;
    for (let i = 0; i < a.length; i++) [ab, aa, bb] = [ab + a[i] * b[i], aa + a[i] * a[i], bb + b[i] * b[i]];
    console.log(
      `batch ${batch}: embedding [${fp.dims.join(', ')}], first values ${Array.from(a.slice(0, 3), (v) => v.toFixed(4)).join(', ')}; int8 cosine ${(ab / Math.sqrt(aa * bb)).toFixed(5)}`,
    );
  }
  await Promise.all([session.dispose(), int8.dispose()]);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
