/**
 * LVMAE's motivation, measured: peak memory and step time of one `lvmae` training step (nano/8 ViT,
 * 2 x 8 x 8 tubelets, random encoder masking 0.9, decoder width 64 x 2 blocks, AdamW, batch 2, token-id
 * targets from a frozen FSQ tokenizer on ONNX Runtime) at 16, 32, 64 and 128 frames of 64 x 64, with
 * the decoder reconstructing every hidden token (`full`, VideoMAE) or the top 15% by priority
 * (`adaptive`, LVMAE). The decoder attends over visible + decoded tokens, so full decoding grows as N^2.
 *
 * Each row runs in a fresh process (tfjs-wasm's heap stops at 2 GB: past it a row reports `does not
 * fit`). Columns: peak tfjs bytes during the step (`tf.profile` peakBytes), the wasm heap after the step
 * (it only grows), process RSS after the step, and the median step time. The tokenizer is randomly
 * initialised: the benchmark measures cost, not quality.
 *
 *   npm run bench:lvmae -w @vfmkit/trainer    (VFM_BENCH_FRAMES=16,32,64,128 VFM_BENCH_STEPS=2 VFM_BENCH_SIZE=64)
 *
 * Measured 2026-11-27 (AMD EPYC x 2 cores shared with other jobs, Node 20.20, wall 32 s):
 *
 * | frames | decoding | tokens N | decoded | decoder seq | peak tfjs MiB | wasm heap MiB | RSS MiB | step ms |
 * | --- | --- | --- | --- | --- | --- | --- | --- | --- |
 * | 16 | full | 512 | 460 | 512 | 266 | 248 | 584 | 215 |
 * | 16 | adaptive | 512 | 77 | 129 | 68 | 69 | 386 | 117 |
 * | 32 | full | 1024 | 921 | 1024 | 656 | 710 | 945 | 463 |
 * | 32 | adaptive | 1024 | 154 | 257 | 140 | 144 | 484 | 155 |
 * | 64 | full | 2048 | 1843 | 2048 | 1823 | 1860 | 2183 | 1338 |
 * | 64 | adaptive | 2048 | 307 | 512 | 310 | 306 | 665 | 281 |
 * | 128 | full | - | - | - | does not fit (wasm heap abort) | - | - | - |
 * | 128 | adaptive | 4096 | 614 | 1024 | 764 | 784 | 1188 | 755 |
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeMachine, markdownTable, Rng } from '@vfmkit/core';
import { AdamW, initBackend, tf, trainStep } from '@vfmkit/nn';
import { trainConfigSchema } from '../src/config/schema';
import { closeLvmaeTokenizers, lvmaeRecipe } from '../src/recipes/lvmae';
import { writeTokenizerRun } from '../test/lvmae-fixture';

const steps = Number(process.env.VFM_BENCH_STEPS ?? 2);
const size = Number(process.env.VFM_BENCH_SIZE ?? 64);
const frameList = (process.env.VFM_BENCH_FRAMES ?? '16,32,64,128').split(',').map(Number);
const rowTimeoutMs = Number(process.env.VFM_BENCH_ROW_TIMEOUT_MS ?? 60_000);
const MODES = ['full', 'adaptive'] as const;
type Mode = (typeof MODES)[number];
/** `full`: every hidden token (`floor(0.9 N)` of a random mask 0.9); `adaptive`: LVMAE's 15%. */
const budgetOf = (mode: Mode, n: number) => (mode === 'full' ? Math.floor(0.9 * n) / n : 0.15);

interface Row {
  frames: number;
  mode: Mode;
  tokens: number;
  decoded: number;
  decoderSeq: number;
  peakTfjsMiB: number;
  wasmHeapMiB: number;
  rssMiB: number;
  stepMs: number;
}

const mib = (b: number) => Math.round(b / 2 ** 20);

async function row(frames: number, mode: Mode): Promise<Row> {
  await initBackend();
  const dir = mkdtempSync(join(tmpdir(), 'vfm-lvbench-'));
  try {
    const n = (frames / 2) * (size / 8) ** 2;
    const tok = await writeTokenizerRun(join(dir, 'tok'), frames, size);
    const config = trainConfigSchema.parse({
      recipe: 'lvmae',
      out: join(dir, 'run'),
      batchSize: 2,
      frames,
      size,
      augment: [],
      masking: { encoder: { kind: 'random', ratio: 0.9 } },
      model: { variant: 'nano/8', tubeletFrames: 2 },
      decoder: { width: 64, depth: 2, heads: 2 },
      lvmae: { tokenizer: tok, decoder: 'adaptive', budget: budgetOf(mode, n), target: 'tokens' },
    });
    const model = lvmaeRecipe.createModel(lvmaeRecipe.spec(config));
    const rng = new Rng(1);
    const clips = [0, 1].map(() => {
      const data = new Float32Array(frames * size * size * 3);
      for (let i = 0; i < data.length; i++) data[i] = rng.uniform();
      return { data, shape: [frames, size, size, 3] as [number, number, number, number] };
    });
    const batch = lvmaeRecipe.batch(clips, config, new Rng(2));
    const optimizer = new AdamW(model.params, { lr: 1e-3 });
    const times: number[] = [];
    let peak = 0;
    for (let s = 0; s <= steps; s++) {
      const t0 = performance.now();
      const info = await tf.profile(() => {
        trainStep(model, batch, optimizer, { lr: 1e-3 });
        return [];
      });
      if (s > 0) times.push(performance.now() - t0); // step 0 warms up
      peak = Math.max(peak, info.peakBytes);
    }
    const heap =
      (tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } }).wasm?.HEAPU8?.byteLength ?? 0;
    const tokens = batch.tokenIds.shape[1];
    const visible = batch.visible.shape[1];
    const decoded = batch.decode.shape[1];
    optimizer.dispose();
    lvmaeRecipe.dispose(model);
    closeLvmaeTokenizers();
    return {
      frames,
      mode,
      tokens,
      decoded,
      decoderSeq: visible + decoded,
      peakTfjsMiB: mib(peak),
      wasmHeapMiB: mib(heap),
      rssMiB: mib(process.memoryUsage().rss),
      stepMs: Math.round(times.sort((a, b) => a - b)[Math.floor(times.length / 2)]),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const [flag, f, m] = process.argv.slice(2);
  if (flag === '--row') {
    process.stdout.write(`${JSON.stringify(await row(Number(f), m as Mode))}\n`);
    process.exit(0);
  }
  const self = fileURLToPath(import.meta.url);
  const rows: (string | number)[][] = [];
  const t0 = performance.now();
  for (const frames of frameList) {
    for (const mode of MODES) {
      const r = spawnSync(
        process.execPath,
        ['--import', 'tsx', '--conditions=@vfmkit/source', self, '--row', String(frames), mode],
        { encoding: 'utf8', timeout: rowTimeoutMs, maxBuffer: 1 << 24 },
      );
      const line = r.stdout?.trim().split('\n').pop() ?? '';
      if (r.status === 0 && line.startsWith('{')) {
        const x = JSON.parse(line) as Row;
        rows.push([
          frames,
          mode,
          x.tokens,
          x.decoded,
          x.decoderSeq,
          x.peakTfjsMiB,
          x.wasmHeapMiB,
          x.rssMiB,
          x.stepMs,
        ]);
      } else {
        const why =
          r.error?.message.includes('ETIMEDOUT') || r.signal === 'SIGTERM'
            ? `timed out (> ${rowTimeoutMs / 1000} s)`
            : (/^(\w*Error|RuntimeError|Aborted)[^\n]*$/m.exec(r.stderr ?? '')?.[0] ?? `exit ${r.status}`);
        rows.push([frames, mode, '-', '-', '-', 'does not fit', '-', '-', why.slice(0, 60)]);
      }
      process.stderr.write(`${frames} ${mode}: ${JSON.stringify(rows[rows.length - 1])}\n`);
    }
  }
  process.stdout.write(
    `${describeMachine()}; batch 2 x [T, ${size}, ${size}, 3], nano/8, random encoder mask 0.9, decoder 64 x 2, ${steps} timed steps (median)\n\n`,
  );
  process.stdout.write(
    markdownTable(
      [
        'frames',
        'decoding',
        'tokens N',
        'decoded',
        'decoder seq',
        'peak tfjs MiB',
        'wasm heap MiB',
        'RSS MiB',
        'step ms',
      ],
      rows,
    ),
  );
  process.stdout.write(`\nwall ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
}

void main();
