/**
 * Which graph form runs fastest on ONNX Runtime CPU, side by side in one run: our exporter's graph with
 * standard ops (`fusions: 'standard'`), with ORT's contrib kernels (`fusions: 'contrib'`:
 * SkipLayerNormalization, BiasGelu, bias inside MultiHeadAttention), without intra-op spinning, and the
 * same model exported by `torch.onnx.export` (Debian PyTorch 1.13, opset 17), all on the same ORT with
 * the same weights, against an ORT MatMul peak (2048^3 fp32) measured in the same run. Runs are
 * interleaved (A B C ... A B C ...), median of VFM_BENCH_REPS after one warm-up. Also counts the nodes
 * of each optimized graph (ORT's `optimizedModelFilePath`, level `all`) and checks every variant's pooled
 * output against the torch export's.
 *
 *   npx tsx --conditions=@vfmkit/source bench/fusions.ts
 *   env: VFM_BENCH_VARIANT=S  VFM_BENCH_CLIP=8,112,112  VFM_BENCH_BATCHES=1,4  VFM_BENCH_REPS=5
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describeMachine, markdownTable, Rng } from '@vfmkit/core';
import { GraphBuilder, readModelInfo } from '@vfmkit/onnx';
import ort from 'onnxruntime-node';
import { decodeVariant, initVitWeights, saveVitCheckpoint, vitForwardFlops } from '../src/index';
import { exportVitOnnx } from '../src/onnx/index';

const variant = process.env.VFM_BENCH_VARIANT ?? 'S';
const [T, H, W] = (process.env.VFM_BENCH_CLIP ?? '8,112,112').split(',').map(Number);
const batches = (process.env.VFM_BENCH_BATCHES ?? '1,4').split(',').map(Number);
const reps = Number(process.env.VFM_BENCH_REPS ?? 5);
const threads = Number(process.env.VFM_BENCH_THREADS ?? 2);
const dir = mkdtempSync(join(tmpdir(), 'vfm-bench-fusions-'));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function relErr(a: Float32Array, b: Float32Array): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}

function startPeer(ckpt: string, clipsFile: string) {
  const env: NodeJS.ProcessEnv = { ...process.env, OPENBLAS_NUM_THREADS: String(threads) };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const child = spawn('/usr/bin/python3', [join(import.meta.dirname, 'torch_vit.py'), ckpt, clipsFile], {
    env,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => {
    const line = (await lines.next()).value as string | undefined;
    if (line === undefined) throw new Error('the PyTorch peer exited (see its message above)');
    return JSON.parse(line) as Record<string, number | string>;
  };
  return {
    hello: next(),
    ask: async (cmd: string) => {
      child.stdin.write(`${cmd}\n`);
      return next();
    },
    close: () => child.stdin.end(),
  };
}

type Opts = ort.InferenceSession.SessionOptions;
const cpu = (extra: Opts = {}): Opts => ({
  executionProviders: ['cpu'],
  graphOptimizationLevel: 'all',
  intraOpNumThreads: threads,
  interOpNumThreads: 1,
  ...extra,
});

try {
  const config = decodeVariant(`${variant}/16`, { frames: T, imageSize: [H, W] });
  const weights = initVitWeights(config, 7);
  const ckpt = join(dir, 'vit.safetensors');
  await saveVitCheckpoint(ckpt, config, weights);
  const clipSize = T * H * W * 3;
  const maxB = Math.max(...batches);
  const rng = new Rng(1);
  const clips = new Float32Array(maxB * clipSize);
  for (let i = 0; i < clips.length; i++) clips[i] = rng.uniform();
  const clipsFile = join(dir, 'clips.f32');
  writeFileSync(clipsFile, clips);
  const peer = startPeer(ckpt, clipsFile);
  const hello = await peer.hello;
  const torchOnnx = join(dir, 'torch.onnx');
  await peer.ask(`export ${torchOnnx}`);
  peer.close();

  const models: Record<string, { bytes: Uint8Array; opts: Opts }> = {
    'torch.onnx.export': { bytes: new Uint8Array(readFileSync(torchOnnx)), opts: cpu() },
    'ours, standard ops': { bytes: exportVitOnnx(config, weights, { fusions: 'standard' }), opts: cpu() },
    'ours, contrib fusions': { bytes: exportVitOnnx(config, weights, { fusions: 'contrib' }), opts: cpu() },
    'ours, contrib, one graph for any clip (max 2x each axis)': {
      bytes: exportVitOnnx(config, weights, { fusions: 'contrib', maxClip: [2 * T, 2 * H, 2 * W] }),
      opts: cpu(),
    },
    'torch.onnx.export, no spinning': {
      bytes: new Uint8Array(readFileSync(torchOnnx)),
      opts: cpu({ extra: { session: { intra_op: { allow_spinning: '0' } } } }),
    },
    'ours, contrib, no spinning': {
      bytes: exportVitOnnx(config, weights, { fusions: 'contrib' }),
      opts: cpu({ extra: { session: { intra_op: { allow_spinning: '0' } } } }),
    },
  };
  const names = Object.keys(models);
  const sessions: Record<string, ort.InferenceSession> = {};
  const opCounts: (string | number)[][] = [];
  for (const name of names) {
    const optimized = join(dir, `${names.indexOf(name)}.opt.onnx`);
    const s = await ort.InferenceSession.create(models[name].bytes, {
      ...models[name].opts,
      optimizedModelFilePath: optimized,
    });
    sessions[name] = s;
    const ops = (await readModelInfo(optimized)).ops;
    const count = (...o: string[]) => o.reduce((a, k) => a + (ops[k] ?? 0), 0);
    opCounts.push([
      name,
      Object.values(ops).reduce((a, b) => a + b, 0),
      count('MatMul', 'FusedMatMul', 'Gemm'),
      count('MultiHeadAttention', 'Attention'),
      count('SkipLayerNormalization', 'SkipSimplifiedLayerNormalization'),
      count('LayerNormalization'),
      count('BiasGelu', 'Gelu', 'FastGelu'),
      count('Erf'),
      count('Add'),
      count('Softmax'),
    ]);
  }

  // ORT MatMul peak: one 2048 x 2048 x 2048 fp32 product, same thread setup.
  const g = new GraphBuilder({ name: 'peak' });
  const a = g.input('a', 'float32', [2048, 2048]);
  const wPeak = new Float32Array(2048 * 2048);
  for (let i = 0; i < wPeak.length; i++) wPeak[i] = rng.normal() * 0.02;
  g.output(g.matmul(a, g.f32(wPeak, [2048, 2048])), 'float32', { name: 'y' });
  const peakSession = await ort.InferenceSession.create(g.toBuffer(), cpu());
  const aData = new Float32Array(2048 * 2048).map(() => rng.normal());
  const peakFeeds = { a: new ort.Tensor('float32', aData, [2048, 2048]) };
  const peakGflops: number[] = [];
  const timePeak = async () => {
    const t0 = performance.now();
    await peakSession.run(peakFeeds);
    peakGflops.push((2 * 2048 ** 3) / ((performance.now() - t0) / 1000) / 1e9);
  };
  await timePeak();

  const gflop = vitForwardFlops(config) / 1e9;
  const rows: (string | number)[][] = [];
  const parity: (string | number)[][] = [];
  const loads: number[] = [loadavg()[0]];
  for (const b of batches) {
    const feeds = { clips: new ort.Tensor('float32', clips.subarray(0, b * clipSize), [b, T, H, W, 3]) };
    const times: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
    const pooled: Record<string, Float32Array> = {};
    const peakBefore = peakGflops.length;
    for (let r = 0; r <= reps; r++) {
      for (const name of names) {
        const t0 = performance.now();
        const out = await sessions[name].run(feeds);
        const ms = performance.now() - t0;
        if (r === 0) pooled[name] = Float32Array.from(out.pooled.data as Float32Array);
        else times[name].push(ms);
      }
      await timePeak();
    }
    loads.push(loadavg()[0]);
    const peak = median(peakGflops.slice(peakBefore));
    const torchMs = median(times['torch.onnx.export']);
    for (const name of names) {
      const ms = median(times[name]);
      const gf = (gflop * b * 1000) / ms;
      rows.push([
        b,
        name,
        `${ms.toFixed(0)} ms`,
        (torchMs / ms).toFixed(2),
        gf.toFixed(1),
        peak.toFixed(1),
        `${((100 * gf) / peak).toFixed(0)}%`,
      ]);
      parity.push([b, name, relErr(pooled[name], pooled['torch.onnx.export']).toExponential(2)]);
    }
  }
  console.log(
    `ViT-${variant}/16 at ${T} x ${H} x ${W} (${vitForwardFlops(config) / 1e9 > 0 ? gflop.toFixed(1) : '?'} GFLOP/clip), ` +
      `ORT ${ort.env.versions.common}, ${threads} intra-op threads; PyTorch ${hello.torch} for the export; ${describeMachine()}`,
  );
  console.log(
    `Median of ${reps} after 1 warm-up, interleaved; ORT MatMul peak = median 2048^3 fp32 MatMul in the same run. ` +
      `Load average (1 min) before/after each batch: ${loads.map((l) => l.toFixed(1)).join(', ')}\n`,
  );
  console.log(
    markdownTable(
      ['batch', 'graph', 'time', 'torch export / this', 'GFLOP/s', 'ORT MatMul peak', 'of peak'],
      rows,
    ),
  );
  console.log('');
  console.log(
    markdownTable(
      [
        'graph (optimized by ORT, level all)',
        'nodes',
        'MatMul',
        'attention',
        'SkipLayerNorm',
        'LayerNorm',
        'Gelu kinds',
        'Erf',
        'Add',
        'Softmax',
      ],
      opCounts,
    ),
  );
  console.log('');
  console.log(markdownTable(['batch', 'graph', 'pooled: max rel err vs torch export'], parity));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
