/**
 * Encode throughput (clips -> ids, codes, priorities) of the exported tokenizer on ONNX Runtime CPU
 * against PyTorch (Debian python3-torch, 2 threads) running the same architecture with the same weights
 * in the same run, rounds interleaved (PyTorch, ORT, PyTorch, ORT, ...). Checks the two agree first.
 *
 *   npm run bench -w @vfmkit/tokenizer      (VFM_BENCH_REPS=3 VFM_BENCH_ROUNDS=2)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeMachine, markdownTable, medianMs, Rng } from '@vfmkit/core';
import { initBackend, paramsToTensors, tf } from '@vfmkit/nn';
import { type TokenizerConfigInput, tokensPerClip } from '../src/index';
import { exportTokenizerOnnx, VideoTokenizer } from '../src/onnx/index';
import { saveTokenizer, TokenizerModel } from '../src/tfjs/index';

const reps = Number(process.env.VFM_BENCH_REPS ?? 3);
const rounds = Number(process.env.VFM_BENCH_ROUNDS ?? 2);
const [B, T, H, W] = [4, 8, 64, 64];
const config: TokenizerConfigInput = {
  frames: T,
  imageSize: [H, W],
  downsample: [2, 8, 8],
  widths: [32, 64, 64, 64],
  resBlocks: 1,
  quantizer: { kind: 'fsq', levels: [8, 8, 8, 5, 5, 5] },
  scorer: { width: 32, layers: 2 },
};
await initBackend({ backend: 'wasm', log: null });
const dir = mkdtempSync(join(tmpdir(), 'vfm-bench-tok-'));
try {
  const model = new TokenizerModel(config, 1);
  // weights redrawn at a larger scale so that latents spread over many codes (a fresh init maps
  // almost every token to the centre code, which would make the id comparison trivial)
  const wrng = new Rng(3);
  for (const v of model.params.values()) {
    const fan = v.rank === 5 ? v.size / (v.shape[0] as number) : 1;
    const data = Float32Array.from({ length: v.size }, () => (wrng.normal() * 1.2) / Math.sqrt(fan));
    tf.tidy(() => v.assign(tf.tensor(data, v.shape)));
  }
  const ckpt = join(dir, 'tok.safetensors');
  await saveTokenizer(ckpt, model);
  const rng = new Rng(2);
  const clips = {
    data: Float32Array.from({ length: B * T * H * W * 3 }, () => rng.uniform()),
    shape: [B, T, H, W, 3] as const,
  };
  const clipsFile = join(dir, 'clips.f32');
  writeFileSync(clipsFile, clips.data);
  const { encoder, decoder } = exportTokenizerOnnx(model.config, await paramsToTensors(model.params));
  const tok = await VideoTokenizer.load(encoder, decoder, { device: 'cpu', threads: 2 });
  const env: NodeJS.ProcessEnv = { ...process.env, OPENBLAS_NUM_THREADS: '2', OMP_NUM_THREADS: '2' };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const torchRun = () => {
    const r = spawnSync(
      '/usr/bin/python3',
      [join(import.meta.dirname, 'torch_tokenizer.py'), ckpt, clipsFile, ...[B, T, H, W, reps].map(String)],
      { env, encoding: 'utf8', maxBuffer: 1 << 28 },
    );
    if (r.status !== 0) throw new Error(r.stderr);
    return JSON.parse(r.stdout) as {
      ms: number;
      latents: number[];
      ids: number[];
      priorities: number[];
      torch: string;
    };
  };
  const torchMs: number[] = [];
  const ortMs: number[] = [];
  let check = '';
  for (let round = 0; round < rounds; round++) {
    const t = torchRun();
    torchMs.push(t.ms);
    let out = await tok.encode(clips);
    ortMs.push(
      await medianMs(
        async () => {
          out = await tok.encode(clips);
        },
        reps,
        1,
      ),
    );
    if (round === 0) {
      let dl = 0;
      for (let i = 0; i < t.latents.length; i++) dl = Math.max(dl, Math.abs(t.latents[i] - out.latents[i]));
      const sameIds = t.ids.filter((v, i) => v === out.ids[i]).length;
      check = `max |latent diff| ${dl.toExponential(1)}, ids equal ${sameIds}/${t.ids.length} (${new Set(t.ids).size} distinct), torch ${t.torch}`;
    }
  }
  const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
  const rounds_ = (a: number[]) => a.map((v) => v.toFixed(0)).join(', ');
  const clipsPerS = (ms: number) => ((B * 1000) / ms).toFixed(2);
  console.log(
    `\n${describeMachine()}; clips [${B}, ${T}, ${H}, ${W}, 3] -> ${tokensPerClip(model.config)} tokens each; ${check}\n`,
  );
  console.log(
    markdownTable(
      ['runtime', 'encode ms (median)', 'each round (ms)', 'clips/s', 'vs PyTorch'],
      [
        ['PyTorch 2 threads', med(torchMs).toFixed(0), rounds_(torchMs), clipsPerS(med(torchMs)), '1.00x'],
        [
          'ONNX Runtime CPU 2 threads',
          med(ortMs).toFixed(0),
          rounds_(ortMs),
          clipsPerS(med(ortMs)),
          `${(med(torchMs) / med(ortMs)).toFixed(2)}x`,
        ],
      ],
    ),
  );
  await tok.dispose();
  model.dispose();
  tf.disposeVariables();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
