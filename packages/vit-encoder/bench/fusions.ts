/**
 * Which graph form runs fastest on ONNX Runtime CPU, side by side in one run: our exporter's graph with
 * standard ops (`fusions: 'standard'`), with ORT's contrib kernels (`fusions: 'contrib'`: BiasGelu,
 * bias inside MultiHeadAttention, the MLP in column blocks), with the MLP as one product (`mlpBlocks: 1`),
 * without intra-op spinning, and the same model exported by `torch.onnx.export` (Debian PyTorch 1.13,
 * opset 17), all on the same ORT with the same weights, against two ORT MatMul rates measured in the same
 * run (2048^3 fp32), and what `VideoEncoder` runs by default (slices of at most 1568 tokens per run)
 * next to the torch export run the same way. Runs are
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
import { exportVitOnnx, VideoEncoder } from '../src/onnx/index';

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
    'ours, contrib, no spinning, MLP as one product (mlpBlocks 1)': {
      bytes: exportVitOnnx(config, weights, { fusions: 'contrib', mlpBlocks: 1 }),
      opts: cpu({ extra: { session: { intra_op: { allow_spinning: '0' } } } }),
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
  // What users get: VideoEncoder on the default graph, no spinning, slices of runTokens (default 1568).
  const ENCODER = 'VideoEncoder default (contrib, no spinning, runs of <= 1568 tokens)';
  const encoder = await VideoEncoder.load(models['ours, contrib, no spinning'].bytes, {
    device: 'cpu',
    threads,
  });
  // The torch export run like VideoEncoder runs ours: one ORT run per slice of <= 1568 tokens.
  const SLICED_TORCH = 'torch.onnx.export, no spinning, runs of <= 1568 tokens';
  const perRun = Math.max(
    1,
    Math.floor(1568 / ((T * H * W) / (config.tubelet[0] * config.tubelet[1] * config.tubelet[2]))),
  );
  const names = [...Object.keys(models), SLICED_TORCH, ENCODER];
  const sessions: Record<string, ort.InferenceSession> = {};
  const opCounts: (string | number)[][] = [];
  for (const name of Object.keys(models)) {
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

  // ORT MatMul peak: a 2048 x 2048 x 2048 fp32 product, same thread setup, the best of 3 back to back
  // (the first run after a model's is slowed by cold caches).
  const g = new GraphBuilder({ name: 'peak' });
  const a = g.input('a', 'float32', [2048, 2048]);
  const wPeak = new Float32Array(2048 * 2048).map(() => rng.normal() * 0.02);
  g.output(g.matmul(a, g.f32(wPeak, [2048, 2048])), 'float32', { name: 'y' });
  const peakSession = await ort.InferenceSession.create(g.toBuffer(), cpu());
  const peakFeeds = {
    a: new ort.Tensor(
      'float32',
      new Float32Array(2048 * 2048).map(() => rng.normal()),
      [2048, 2048],
    ),
  };
  const peakGflops: number[] = [];
  const timePeak = async () => {
    let best = 0;
    for (let r = 0; r < 3; r++) {
      const t0 = performance.now();
      await peakSession.run(peakFeeds);
      best = Math.max(best, (2 * 2048 ** 3) / ((performance.now() - t0) / 1000) / 1e9);
    }
    peakGflops.push(best);
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
    const batch = { data: clips.subarray(0, b * clipSize), shape: [b, T, H, W, 3] as const };
    for (let r = 0; r <= reps; r++) {
      for (const name of names) {
        const t0 = performance.now();
        let out: Float32Array;
        if (name === ENCODER) out = (await encoder.embed(batch)).pooled;
        else if (name === SLICED_TORCH) {
          const s = sessions['torch.onnx.export, no spinning'];
          out = new Float32Array(b * config.width);
          for (let b0 = 0; b0 < b; b0 += perRun) {
            const n = Math.min(perRun, b - b0);
            const part = await s.run({
              clips: new ort.Tensor('float32', clips.subarray(b0 * clipSize, (b0 + n) * clipSize), [
                n,
                T,
                H,
                W,
                3,
              ]),
            });
            out.set(part.pooled.data as Float32Array, b0 * config.width);
          }
        } else out = (await sessions[name].run(feeds)).pooled.data as Float32Array;
        const ms = performance.now() - t0;
        if (r === 0) pooled[name] = Float32Array.from(out);
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
    `Median of ${reps} after 1 warm-up, interleaved; ORT MatMul peak = 2048^3 fp32 MatMul, the best of 3 back ` +
      `to back between the model runs, median over the batch's reps. ` +
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
