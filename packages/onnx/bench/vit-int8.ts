/**
 * ViT-S-like encoder (width 384, 6 heads, MLP 4x, 196 tokens) through ONNX Runtime CPU: fp32 vs
 * int8 weight export (dynamic int8 MatMuls), with the accuracy loss of int8 measured, against a
 * PyTorch (Debian python3-torch, OpenBLAS, 2 threads) forward of the same architecture, same run.
 *
 *   npm run bench -w @vfmkit/onnx        (VFM_BENCH_DEPTH=12 by default)
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describeMachine, markdownTable, medianMs, Rng } from '@vfmkit/core';
import { openSession, type TypedTensor } from '../src/index';
import { buildTinyVit } from './tiny-vit';

/**
 * Python prelude, before `import torch`: the shared BLAS guard (scripts/python/blas_check.py; importing it sets
 * OMP_WAIT_POLICY=PASSIVE). `check_blas(torch)` prints torch's BLAS and exits 3 on the reference BLAS (then no
 * ratio is reported).
 */
const BLAS_GUARD_PY = `import sys; sys.path.insert(0, ${JSON.stringify(join(import.meta.dirname, '../../../scripts/python'))})
from blas_check import check_blas`;

const depth = Number(process.env.VFM_BENCH_DEPTH ?? 12);
const config = { tokens: 196, width: 384, heads: 6, depth, mlpRatio: 4 };
const fp32 = buildTinyVit(config, {}, 1);
const int8 = buildTinyVit(config, { weights: 'int8' }, 1);
const sizes = { fp32: fp32.toBuffer().length, int8: int8.toBuffer().length };
const sFp = await openSession(fp32, { device: 'cpu', threads: 2 });
const sQ = await openSession(int8, { device: 'cpu', threads: 2 });

const rows: (string | number)[][] = [];
let worstCos = 1;
let worstRel = 0;
const rng = new Rng(2);
for (const batch of [1, 4]) {
  const data = new Float32Array(batch * 196 * 384);
  for (let i = 0; i < data.length; i++) data[i] = rng.normal();
  const feeds: Record<string, TypedTensor> = { tokens: { dtype: 'float32', data, dims: [batch, 196, 384] } };
  const a = Float32Array.from((await sFp.run(feeds)).embedding.data as Float32Array);
  const b = (await sQ.run(feeds)).embedding.data as Float32Array;
  let ab = 0,
    aa = 0,
    bb = 0,
    d = 0,
    m = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
    d = Math.max(d, Math.abs(a[i] - b[i]));
    m = Math.max(m, Math.abs(a[i]));
  }
  worstCos = Math.min(worstCos, ab / Math.sqrt(aa * bb));
  worstRel = Math.max(worstRel, d / m);
  const fpMs = await medianMs(() => sFp.run(feeds), 5, 1);
  const qMs = await medianMs(() => sQ.run(feeds), 5, 1);
  const torchMs = torchPeer(batch);
  rows.push([
    `forward, batch ${batch}`,
    `${fpMs.toFixed(0)} ms`,
    `${qMs.toFixed(0)} ms`,
    Number.isNaN(torchMs) ? 'n/a (peer failed or refused: see stderr)' : `${torchMs.toFixed(0)} ms`,
    (fpMs / qMs).toFixed(2),
    Number.isNaN(torchMs) ? '-' : (torchMs / fpMs).toFixed(2),
  ]);
}
await Promise.all([sFp.dispose(), sQ.dispose()]);

console.log(`ViT encoder: ${depth} blocks, width 384, 6 heads, 196 tokens; ${describeMachine()}\n`);
console.log(
  markdownTable(
    ['workload', 'ORT fp32', 'ORT int8 (dynamic)', 'peer: PyTorch fp32', 'fp32/int8', 'PyTorch/ORT fp32'],
    rows,
  ),
);
console.log(
  `\nint8 vs fp32 on the pooled embedding: worst cosine ${worstCos.toFixed(6)}, worst max-abs error ${(worstRel * 100).toFixed(2)}% of max |fp32|; ` +
    `file ${(sizes.fp32 / 2 ** 20).toFixed(1)} MB -> ${(sizes.int8 / 2 ** 20).toFixed(1)} MB (${(sizes.fp32 / sizes.int8).toFixed(2)}x smaller). Random weights.`,
);

function torchPeer(batch: number): number {
  const py = `
import sys, time
${BLAS_GUARD_PY}
import torch
check_blas(torch)
torch.set_num_threads(2)
torch.manual_seed(0)
d, h, n, depth, B = 384, 6, 196, ${depth}, ${batch}
blocks = []
for _ in range(depth):
    blocks.append(dict(ln1=torch.nn.LayerNorm(d, eps=1e-6), qkv=torch.nn.Linear(d, 3*d), proj=torch.nn.Linear(d, d),
                       ln2=torch.nn.LayerNorm(d, eps=1e-6), fc1=torch.nn.Linear(d, 4*d), fc2=torch.nn.Linear(4*d, d)))
lnf = torch.nn.LayerNorm(d, eps=1e-6)
def fwd(x):
    for b in blocks:
        y = b['ln1'](x)
        q, k, v = b['qkv'](y).reshape(B, n, 3, h, d // h).permute(2, 0, 3, 1, 4)
        a = torch.softmax(q @ k.transpose(-1, -2) * (d // h) ** -0.5, -1) @ v
        x = x + b['proj'](a.transpose(1, 2).reshape(B, n, d))
        x = x + b['fc2'](torch.nn.functional.gelu(b['fc1'](b['ln2'](x))))
    return lnf(x).mean(1)
x = torch.randn(B, n, d)
with torch.no_grad():
    fwd(x)
    ts = []
    for _ in range(5):
        t = time.perf_counter(); fwd(x); ts.append(time.perf_counter() - t)
print(sorted(ts)[2] * 1000)
`;
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const r = spawnSync('/usr/bin/python3', ['-c', py], { env, encoding: 'utf8' });
  process.stderr.write(r.stderr);
  return r.status === 0 ? Number(r.stdout.trim()) : Number.NaN;
}
