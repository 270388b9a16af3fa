/**
 * A tiny video ViT end to end on built-in data, in a few seconds: counts for the real sizes, a few MAE
 * training steps in TensorFlow.js, ONNX export, and ONNX Runtime features that match the tfjs model.
 *
 *   npm run demo -w @vfmkit/vit-encoder
 */
import { markdownTable, Rng } from '@vfmkit/core';
import { AdamW, computeGradients, disposeGrads, initBackend, tf } from '@vfmkit/nn';
import {
  decodeVariant,
  maeDecoderFor,
  vitForwardFlops,
  vitForwardMacs,
  vitParameterCount,
} from '../src/index';
import { exportVitOnnx, VideoEncoder } from '../src/onnx/index';
import { MaeModel } from '../src/tfjs/index';

console.log(
  markdownTable(
    ['variant (16 x 224 x 224)', 'parameters', 'GMACs', 'GFLOPs (2/MAC)'],
    ['S', 'B', 'L', 'H', 'g', 'e', '22B'].map((v) => {
      const c = decodeVariant(`${v}/16`, { posEmbed: 'sincos' });
      return [
        `ViT-${v}/16`,
        `${(vitParameterCount(c) / 1e6).toFixed(1)}M`,
        (vitForwardMacs(c) / 1e9).toFixed(1),
        (vitForwardFlops(c) / 1e9).toFixed(1),
      ];
    }),
  ),
);

await initBackend({ log: (line) => console.log(line) });
// A moving bright square: 8 frames of 32 x 32.
const [B, T, H, W] = [2, 8, 32, 32];
const data = new Float32Array(B * T * H * W * 3);
for (let b = 0; b < B; b++)
  for (let t = 0; t < T; t++)
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) {
        const on = Math.abs(x - (4 + 3 * t + b * 5)) < 5 && Math.abs(y - 16) < 5;
        for (let c = 0; c < 3; c++) data[(((b * T + t) * H + y) * W + x) * 3 + c] = on ? 0.9 : 0.1 + 0.05 * c;
      }
const clips = { data, shape: [B, T, H, W, 3] as const };

const config = decodeVariant('nano/8', { frames: T, imageSize: [H, W], exposeLayers: [0] });
const mae = MaeModel.create(config, maeDecoderFor('nano'), { encoder: 1, decoder: 2 });
const params = mae.allParams();
const opt = new AdamW(params, { lr: 2e-3 });
// Tube masking at 75%: the same 4 of 16 spatial positions visible in each of the 4 time slices.
const rng = new Rng(3);
const visible = new Int32Array(B * 16);
const decode = new Int32Array(B * 48);
for (let b = 0; b < B; b++) {
  const keep = new Set(rng.sample(16, 4));
  const vis: number[] = [];
  const hid: number[] = [];
  for (let t = 0; t < 4; t++) for (let s = 0; s < 16; s++) (keep.has(s) ? vis : hid).push(t * 16 + s);
  visible.set(vis, b * 16);
  decode.set(hid, b * 48);
}
for (let step = 0; step < 10; step++) {
  const { loss, grads } = computeGradients(params, () =>
    mae.loss(clips, { visible, decode }, { training: true, seed: step }),
  );
  opt.step(grads);
  if (step % 3 === 0 || step === 9)
    console.log(`MAE step ${step}: loss ${(await loss.data())[0].toFixed(4)}`);
  loss.dispose();
  disposeGrads(grads);
}

const weights = await mae.encoder.weights();
const ref = tf.tidy(() => mae.encoder.forward(clips).pooled);
const tfjsPooled = await ref.data();
ref.dispose();
const bytes = exportVitOnnx(config, weights);
const encoder = await VideoEncoder.load(bytes, { device: 'auto' });
const e = await encoder.embed(clips);
let maxDiff = 0;
for (let i = 0; i < e.pooled.length; i++) maxDiff = Math.max(maxDiff, Math.abs(e.pooled[i] - tfjsPooled[i]));
console.log(
  `ONNX (${(bytes.length / 1024).toFixed(0)} KiB) on ${encoder.provider}: tokens [${e.dims.join(', ')}], ` +
    `layer 0 [${e.dims.join(', ')}], pooled [${B}, ${config.width}]; max |ORT - tfjs| on pooled = ${maxDiff.toExponential(2)}`,
);
await encoder.dispose();
mae.dispose();
