/**
 * Where the time goes: ORT's profiler on one exported ViT, time per op type (median run of 3).
 *   npx tsx --conditions=@vfmkit/source bench/profile-ops.ts   (VFM_BENCH_VARIANT=S VFM_BENCH_CLIP=16,224,224 VFM_BENCH_BATCH=1)
 * Extra exporter options as JSON in VFM_BENCH_EXPORT (e.g. '{"fusions":"standard"}').
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { markdownTable, Rng } from '@vfmkit/core';
import ort from 'onnxruntime-node';
import { decodeVariant, initVitWeights, vitForwardFlops } from '../src/index';
import { exportVitOnnx } from '../src/onnx/index';

const variant = process.env.VFM_BENCH_VARIANT ?? 'S';
const [T, H, W] = (process.env.VFM_BENCH_CLIP ?? '16,224,224').split(',').map(Number);
const B = Number(process.env.VFM_BENCH_BATCH ?? 1);
const config = decodeVariant(variant.includes('/') ? variant : `${variant}/16`, {
  frames: T,
  imageSize: [H, W],
});
const bytes = exportVitOnnx(
  config,
  initVitWeights(config, 7),
  JSON.parse(process.env.VFM_BENCH_EXPORT ?? '{}'),
);
const prefix = join(tmpdir(), `vfm-profile-${process.pid}`);
const s = await ort.InferenceSession.create(bytes, {
  executionProviders: ['cpu'],
  intraOpNumThreads: 2,
  interOpNumThreads: 1,
  enableProfiling: true,
  profileFilePrefix: prefix,
});
const rng = new Rng(1);
const data = new Float32Array(B * T * H * W * 3).map(() => rng.uniform());
const feeds = { clips: new ort.Tensor('float32', data, [B, T, H, W, 3]) };
const walls: number[] = [];
for (let r = 0; r < 4; r++) {
  const t0 = performance.now();
  await s.run(feeds);
  walls.push(performance.now() - t0);
}
s.endProfiling();
const base = `vfm-profile-${process.pid}`;
const found = readdirSync(tmpdir()).find((f) => f.startsWith(base) && f.endsWith('.json'));
if (!found) throw new Error(`no profile file ${base}*.json in ${tmpdir()}`);
const file = join(tmpdir(), found);
const events = JSON.parse(readFileSync(file, 'utf8')) as {
  cat: string;
  name: string;
  dur: number;
  args?: { op_name?: string };
}[];
rmSync(file, { force: true });
const runs = events.filter((e) => e.cat === 'Session' && e.name === 'model_run').map((e) => e.dur);
const perOp = new Map<string, number>();
for (const e of events) {
  if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
  const op = e.args?.op_name ?? '?';
  perOp.set(op, (perOp.get(op) ?? 0) + e.dur / 1000 / runs.length);
}
const total = [...perOp.values()].reduce((a, b) => a + b, 0);
const gflop = (vitForwardFlops(config) * B) / 1e9;
console.log(
  `ViT-${variant}/16 ${T}x${H}x${W} batch ${B}: wall ms per run ${walls.map((w) => w.toFixed(0)).join(', ')} (${gflop.toFixed(1)} GFLOP); ` +
    `kernel time per run ${total.toFixed(0)} ms`,
);
console.log(
  markdownTable(
    ['op', 'ms per run', 'share'],
    [...perOp.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([op, ms]) => [op, ms.toFixed(1), `${((100 * ms) / total).toFixed(1)}%`]),
  ),
);
