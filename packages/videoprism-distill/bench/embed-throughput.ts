/**
 * Video and text embedding throughput of `VideoTextModel` on ONNX Runtime CPU (the exported towers;
 * `embedText` includes tokenizing the captions, `embedVideo` the L2 normalisation) against PyTorch eager
 * under `torch.inference_mode()` running the same towers with the same weights (`torch_videoprism.py`,
 * Debian python3-torch, OpenBLAS), both on the same thread count (2 by default), batches 1 and 8. Rounds are interleaved (PyTorch,
 * ORT, PyTorch, ORT, ...); each PyTorch round is a fresh process. Checks the embeddings agree first.
 * Goal (issue 18): ONNX Runtime at least 1.5x PyTorch's throughput.
 *
 *   npm run bench:embed -w @vfmkit/videoprism-distill
 *   (VFM_BENCH_ROUNDS=3, VFM_BENCH_REPS=7, VFM_BENCH_THREADS=2: ORT intra-op threads = torch.set_num_threads;
 *   VFM_BENCH_PROFILE=1 adds ORT's profile of both towers at batch 8)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeMachine, markdownTable, medianMs, Rng, writeSafetensors } from '@vfmkit/core';
import { initBackend, paramsToTensors } from '@vfmkit/nn';
import { openSession, tensor } from '@vfmkit/onnx';
import ort from 'onnxruntime-node';
import { TextTokenizer } from '../src/index';
import { buildVideoTextModel, VideoTextModel } from '../src/onnx/index';
import { ContrastiveModel } from '../src/tfjs/index';

/** ORT's own profiler on one graph: kernel ms per op type, per run (mean of 5 runs). */
async function profileOps(
  graph: Uint8Array,
  feeds: Record<string, ort.Tensor>,
  threads: number,
  dir: string,
) {
  const s = await ort.InferenceSession.create(graph, {
    executionProviders: ['cpu'],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    enableProfiling: true,
    profileFilePrefix: join(dir, 'profile'),
  });
  await s.run(feeds);
  for (let r = 0; r < 5; r++) await s.run(feeds);
  s.endProfiling();
  await s.release();
  const file = readdirSync(dir).find((f) => f.startsWith('profile') && f.endsWith('.json'));
  if (!file) throw new Error(`no ORT profile in ${dir}`);
  const events = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
    cat: string;
    name: string;
    dur: number;
    args?: { op_name?: string };
  }[];
  rmSync(join(dir, file));
  const runs = events.filter((e) => e.cat === 'Session' && e.name === 'model_run').length;
  const perOp = new Map<string, number>();
  for (const e of events) {
    if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
    const op = e.args?.op_name ?? '?';
    perOp.set(op, (perOp.get(op) ?? 0) + e.dur / 1000 / runs);
  }
  const total = [...perOp.values()].reduce((a, b) => a + b, 0);
  return [...perOp.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 6)
    .map(([op, ms]) => `${op} ${ms.toFixed(2)} ms (${((100 * ms) / total).toFixed(0)}%)`)
    .join(', ');
}

const rounds = Number(process.env.VFM_BENCH_ROUNDS ?? 3);
const reps = Number(process.env.VFM_BENCH_REPS ?? 7);
const threads = Number(process.env.VFM_BENCH_THREADS ?? 2);
const batches = [1, 8];
const [T, S, L] = [8, 32, 40];
const encoder = {
  width: 128,
  depth: 4,
  heads: 4,
  mlpDim: 512,
  frames: T,
  imageSize: [S, S],
  tubelet: [2, 8, 8],
};
const text = { vocabSize: 1000, maxLength: L, width: 128, depth: 2, heads: 4, embedDim: 128 };
const words = (
  'a the red green blue yellow purple orange black white cube sphere cone cylinder torus slides ' +
  'rolls bounces spins falls rises left right up down slowly quickly camera pans zooms behind in ' +
  'front of next to small large shiny matte two three'
).split(' ');

const load = () => loadavg()[0].toFixed(1);
await initBackend({ log: null });
const dir = mkdtempSync(join(tmpdir(), 'vfm-bench-vp-embed-'));
try {
  const rng = new Rng(5);
  const caption = () =>
    Array.from(
      { length: 6 + Math.floor(rng.uniform() * 25) },
      () => words[Math.floor(rng.uniform() * words.length)],
    ).join(' ');
  const corpus = Array.from({ length: 200 }, caption);
  const tokenizer = await TextTokenizer.train(corpus, { kind: 'bpe', vocabSize: 1000 });
  const model = ContrastiveModel.create({ config: { video: { encoder }, text, seed: 0 } });
  const weights = join(dir, 'weights.safetensors');
  await writeSafetensors(weights, await paramsToTensors(model.params));
  const parts = buildVideoTextModel({
    video: { config: model.video.config, weights: model.video.weights() },
    text: { config: text, weights: model.text.weights() },
    tokenizer,
  });
  const sessionOptions = { device: 'cpu', threads, spinning: false } as const;
  const vt = await VideoTextModel.load(parts, sessionOptions);
  // The exported text tower alone (token ids in, as the PyTorch peer takes them): no tokenizer, no L2.
  const textTower = await openSession(parts.text, sessionOptions);
  const inputs = batches.map((b) => {
    const clips = {
      data: Float32Array.from({ length: b * T * S * S * 3 }, () => rng.uniform()),
      shape: [b, T, S, S, 3] as [number, number, number, number, number],
    };
    const captions = Array.from({ length: b }, caption);
    const enc = tokenizer.encode(captions, L);
    writeFileSync(join(dir, `clips${b}.f32`), clips.data);
    writeFileSync(join(dir, `ids${b}.i32`), enc.ids);
    writeFileSync(join(dir, `mask${b}.f32`), enc.mask);
    const feeds = {
      ids: tensor(
        BigInt64Array.from(enc.ids, (v) => BigInt(v)),
        [b, L],
      ),
      mask: tensor(enc.mask, [b, L]),
    };
    return { b, clips, captions, feeds, tokens: enc.mask.reduce((a, v) => a + v, 0) / b };
  });
  const peerConfig = {
    threads,
    B: 1,
    T,
    S,
    tubelet: encoder.tubelet,
    L,
    width: encoder.width,
    depth: encoder.depth,
    heads: encoder.heads,
    textWidth: text.width,
    textDepth: text.depth,
    textHeads: text.heads,
    reps,
    batches,
  };
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    OPENBLAS_NUM_THREADS: String(threads),
    OMP_NUM_THREADS: String(threads),
    // idle OpenMP threads sleep instead of spinning, as ORT's do here (`spinning: false`)
    OMP_WAIT_POLICY: 'PASSIVE',
  };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  let blas = '';
  const torchRound = () => {
    const r = spawnSync(
      '/usr/bin/python3',
      [join(import.meta.dirname, 'torch_videoprism.py'), 'embed', weights, dir, JSON.stringify(peerConfig)],
      { env, encoding: 'utf8', maxBuffer: 1 << 26 },
    );
    if (r.status !== 0) throw new Error(`PyTorch peer failed (exit ${r.status}):\n${r.stderr}`);
    blas = r.stderr.trim().split('\n').join('; ');
    return JSON.parse(r.stdout) as { ms: Record<string, number>; emb: Record<string, number[]> };
  };

  const keys = inputs.flatMap(({ b }) => [`video${b}`, `text${b}`]);
  const torchMs: Record<string, number[]> = Object.fromEntries(keys.map((k) => [k, []]));
  const ortMs: Record<string, number[]> = Object.fromEntries(keys.map((k) => [k, []]));
  const towerMs: Record<string, number[]> = Object.fromEntries(keys.map((k) => [k, []]));
  const maxDiff: Record<string, number> = {};
  const loads: string[] = [];
  for (let round = 0; round < rounds; round++) {
    loads.push(load());
    const t = torchRound();
    for (const k of keys) torchMs[k].push(t.ms[k]);
    for (const { b, clips, captions, feeds } of inputs) {
      const v = await vt.embedVideo(clips);
      const x = await vt.embedText(captions);
      if (round === 0) {
        const diff = (a: Float32Array, ref: number[]) =>
          ref.reduce((m, r, i) => Math.max(m, Math.abs(r - a[i])), 0);
        maxDiff[`video${b}`] = diff(v.data, t.emb[`video${b}`]);
        maxDiff[`text${b}`] = diff(x.data, t.emb[`text${b}`]);
      }
      ortMs[`video${b}`].push(await medianMs(() => vt.embedVideo(clips), reps, 1));
      ortMs[`text${b}`].push(await medianMs(() => vt.embedText(captions), reps, 1));
      towerMs[`text${b}`].push(await medianMs(() => textTower.run(feeds), reps, 1));
    }
    console.error(
      `round ${round}: ${keys.map((k) => `${k} PyTorch ${torchMs[k].at(-1)?.toFixed(2)} / ORT ${ortMs[k].at(-1)?.toFixed(2)} ms`).join('; ')}; load ${loads.at(-1)}`,
    );
  }
  loads.push(load());
  const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
  const rows: string[][] = [];
  const ratios: number[] = [];
  for (const { b, tokens } of inputs)
    for (const kind of ['video', 'text']) {
      const k = `${kind}${b}`;
      const [pt, ort] = [med(torchMs[k]), med(ortMs[k])];
      const per = kind === 'video' ? 'clips/s' : 'captions/s';
      const tower = kind === 'text' ? med(towerMs[k]) : Number.NaN;
      ratios.push(kind === 'text' ? pt / tower : pt / ort); // like for like: the tower on token ids
      rows.push([
        kind === 'video'
          ? `video, batch ${b} x ${T} x ${S} x ${S} (64 tokens)`
          : `text, batch ${b} (length ${L}, ${tokens.toFixed(0)} real tokens on average)`,
        `${pt.toFixed(2)} (${((b * 1000) / pt).toFixed(0)} ${per})`,
        torchMs[k].map((v) => v.toFixed(2)).join(', '),
        `${ort.toFixed(2)} (${((b * 1000) / ort).toFixed(0)} ${per})`,
        ortMs[k].map((v) => v.toFixed(2)).join(', '),
        `${(pt / ort).toFixed(2)}x`,
        kind === 'text' ? `${tower.toFixed(2)} ms, ${(pt / tower).toFixed(2)}x` : '(same as embedVideo)',
        maxDiff[k].toExponential(1),
      ]);
    }
  console.log(
    `\n${describeMachine()}; onnxruntime-node CPU ${threads} threads (spinning off) vs PyTorch ${threads} threads (OMP_WAIT_POLICY=PASSIVE); ${blas}; load average (1 min) before each round and after: ${loads.join(', ')}`,
  );
  console.log(
    `Towers: ViT width ${encoder.width} depth ${encoder.depth} + attention pool; text width ${text.width} depth ${text.depth}; median of ${reps} calls per round, ${rounds} interleaved rounds\n`,
  );
  console.log(
    markdownTable(
      [
        'embed (L2-normalised; ORT: VideoTextModel.embedVideo / embedText, tokenizing included)',
        'PyTorch ms (median)',
        'PyTorch rounds',
        'ONNX Runtime ms (median)',
        'ORT rounds',
        'ORT throughput / PyTorch',
        'ORT tower alone (ids in): ms, throughput / PyTorch',
        'max |emb diff|',
      ],
      rows,
    ),
  );
  const worst = Math.min(...ratios);
  console.log(
    `\nGoal (ONNX Runtime >= 1.5x PyTorch's throughput; text: the tower on ids): ${worst >= 1.5 ? 'met in every row' : `missed, worst row ${worst.toFixed(2)}x`}`,
  );
  if (process.env.VFM_BENCH_PROFILE === '1') {
    const b8 = inputs[inputs.length - 1];
    const video = await profileOps(
      parts.video,
      { clips: new ort.Tensor('float32', b8.clips.data, b8.clips.shape) },
      threads,
      dir,
    );
    const textOps = await profileOps(
      parts.text,
      {
        ids: new ort.Tensor('int64', b8.feeds.ids.data as BigInt64Array, [b8.b, L]),
        mask: new ort.Tensor('float32', b8.feeds.mask.data as Float32Array, [b8.b, L]),
      },
      threads,
      dir,
    );
    console.log(`\nORT profile, batch ${b8.b}, ${threads} thread(s), kernel time per run by op type:`);
    console.log(`- video tower: ${video}`);
    console.log(`- text tower: ${textOps}`);
  }
  await vt.dispose();
  await textTower.dispose();
  model.dispose();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
