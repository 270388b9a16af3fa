/**
 * ONNX Runtime CPU throughput of ViT-S/16 and ViT-B/16 on 16 x 224 x 224 clips (batch 1 and 4), fp32
 * and int8 weights, against PyTorch (Debian python3-torch, OpenBLAS, 2 threads) running the same
 * weights in the same run. Runs are interleaved (PyTorch, ORT fp32, ORT int8, repeat) so that load
 * from other processes hits every contender alike. Also reports achieved GFLOP/s (2 FLOPs per MAC,
 * `vitForwardFlops`) and the machine's fp32 matmul peak (numpy/OpenBLAS 2048^3, 2 threads) measured in
 * the same run.
 *
 *   npm run bench -w @vfmkit/vit-encoder     (VFM_BENCH_VARIANTS=S,B  VFM_BENCH_REPS=3)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describeMachine, markdownTable, Rng } from '@vfmkit/core';
import { decodeVariant, initVitWeights, saveVitCheckpoint, vitForwardFlops } from '../src/index';
import { exportVitOnnx, VideoEncoder } from '../src/onnx/index';

const variants = (process.env.VFM_BENCH_VARIANTS ?? 'S,B').split(',');
const reps = Number(process.env.VFM_BENCH_REPS ?? 3);
const batches = [1, 4];
const threads = 2;
const dir = mkdtempSync(join(tmpdir(), 'vfm-bench-vit-'));

function cosine(a: Float32Array, b: Float32Array): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return ab / Math.sqrt(aa * bb);
}

/** Smallest per-row cosine between two `[R, D]` arrays. */
function minRowCosine(a: Float32Array, b: Float32Array, d: number): number {
  let min = 1;
  for (let r = 0; r < a.length / d; r++)
    min = Math.min(min, cosine(a.subarray(r * d, (r + 1) * d), b.subarray(r * d, (r + 1) * d)));
  return min;
}

/** The PyTorch peer as a long-lived child answering one JSON line per command. */
function startPeer(ckpt: string, clipsFile: string) {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    OPENBLAS_NUM_THREADS: String(threads),
    OMP_NUM_THREADS: String(threads),
  };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const child = spawn('/usr/bin/python3', [join(import.meta.dirname, 'torch_vit.py'), ckpt, clipsFile], {
    env,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => {
    const line = (await lines.next()).value as string | undefined;
    // the peer exits (code 3, with its reason on stderr) when torch runs on the reference BLAS: no ratio then
    if (line === undefined)
      throw new Error('the PyTorch peer exited (see its message above): no ratio reported');
    return JSON.parse(line) as Record<string, number | string>;
  };
  const ask = async (cmd: string) => {
    child.stdin.write(`${cmd}\n`);
    return next();
  };
  return { hello: next(), ask, close: () => child.stdin.end() };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const rows: (string | number)[][] = [];
const accuracy: (string | number)[][] = [];
let peak = 0;
let torchVersion = '';
try {
  const rng = new Rng(1);
  const clipSize = 16 * 224 * 224 * 3;
  const clips = new Float32Array(4 * clipSize);
  for (let i = 0; i < clips.length; i++) clips[i] = rng.uniform();
  const clipsFile = join(dir, 'clips.f32');
  writeFileSync(clipsFile, clips);
  for (const v of variants) {
    const config = decodeVariant(`${v}/16`);
    const weights = initVitWeights(config, 7);
    const ckpt = join(dir, `${v}.safetensors`);
    await saveVitCheckpoint(ckpt, config, weights);
    const gflop = vitForwardFlops(config) / 1e9;

    const peer = startPeer(ckpt, clipsFile);
    torchVersion = String((await peer.hello).torch);
    peak = Math.max(peak, Number((await peer.ask('peak')).gflops));
    const encoders = {
      fp32: await VideoEncoder.load(exportVitOnnx(config, weights), { device: 'cpu', threads }),
      int8: await VideoEncoder.load(exportVitOnnx(config, weights, { weights: 'int8' }), {
        device: 'cpu',
        threads,
      }),
    };
    for (const b of batches) {
      const batch = { data: clips.subarray(0, b * clipSize), shape: [b, 16, 224, 224, 3] as const };
      const times = { torch: [] as number[], fp32: [] as number[], int8: [] as number[] };
      const pooled: Record<string, Float32Array> = {};
      for (let r = 0; r <= reps; r++) {
        const torchMs = Number((await peer.ask(`time ${b}`)).ms);
        const t0 = performance.now();
        pooled.fp32 = (await encoders.fp32.embed(batch)).pooled;
        const t1 = performance.now();
        pooled.int8 = (await encoders.int8.embed(batch)).pooled;
        const t2 = performance.now();
        if (r === 0) continue; // warm-up
        times.torch.push(torchMs);
        times.fp32.push(t1 - t0);
        times.int8.push(t2 - t1);
      }
      const dump = join(dir, `${v}-torch-${b}.f32`);
      await peer.ask(`dump ${b} ${dump}`);
      const torchPooled = new Float32Array(new Uint8Array(readFileSync(dump)).buffer);
      accuracy.push([
        `ViT-${v}/16 b${b}`,
        'ORT fp32 vs PyTorch (pooled)',
        minRowCosine(pooled.fp32, torchPooled, config.width).toFixed(6),
      ]);
      accuracy.push([
        `ViT-${v}/16 b${b}`,
        'ORT int8 vs ORT fp32 (pooled)',
        minRowCosine(pooled.int8, pooled.fp32, config.width).toFixed(6),
      ]);
      const torchMs = median(times.torch);
      const torchClipsPerS = (b * 1000) / torchMs;
      for (const storage of ['fp32', 'int8'] as const) {
        const ms = median(times[storage]);
        const clipsPerS = (b * 1000) / ms;
        rows.push([
          `ViT-${v}/16`,
          b,
          storage === 'fp32' ? 'fp32' : 'int8 (dynamic, per-channel weights)',
          `${clipsPerS.toFixed(3)} clips/s (${ms.toFixed(0)} ms)`,
          `${torchClipsPerS.toFixed(3)} clips/s (${torchMs.toFixed(0)} ms)`,
          `${(clipsPerS / torchClipsPerS).toFixed(2)}x`,
          ((gflop * b * 1000) / ms).toFixed(1),
          ((gflop * b * 1000) / torchMs).toFixed(1),
        ]);
      }
    }
    peak = Math.max(peak, Number((await peer.ask('peak')).gflops));
    peer.close();
    await encoders.fp32.dispose();
    await encoders.int8.dispose();
  }
  console.log(
    `ViT encoder throughput, 16 x 224 x 224 clips (1568 tokens), ${threads} threads; ${describeMachine()}`,
  );
  console.log(
    `Peer: PyTorch ${torchVersion} (Debian, OpenBLAS), fp32, same weights, same run, interleaved with ORT. Median of ${reps} after 1 warm-up.`,
  );
  console.log(
    `Matmul peak measured in this run (numpy/OpenBLAS 2048^3 fp32, ${threads} threads, best of before/after each model): ${peak.toFixed(1)} GFLOP/s.`,
  );
  console.log('GFLOP/s count 2 FLOPs per multiply-accumulate (vitForwardFlops).\n');
  console.log(
    markdownTable(
      [
        'model',
        'batch',
        'ORT weights',
        'onnxruntime-node CPU',
        'PyTorch fp32',
        'ORT / PyTorch',
        'ORT GFLOP/s',
        'PyTorch GFLOP/s',
      ],
      rows,
    ),
  );
  console.log('');
  console.log(markdownTable(['model', 'comparison', 'min cosine over clips'], accuracy));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
