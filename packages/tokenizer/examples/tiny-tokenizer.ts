/**
 * Trains a tiny tokenizer on synth4d clips with TensorFlow.js, reports PSNR at the full token set and at the
 * budget, exports it to ONNX and tokenizes held-out clips with ONNX Runtime.
 * Run: npm run demo -w @vfmkit/tokenizer   (about a minute on 2 cores)
 */
import { initBackend, paramsToTensors } from '@vfmkit/nn';
import { renderSample } from '@vfmkit/synth4d';
import { type TokenizerConfigInput, tokensPerClip } from '../src/index';
import { exportTokenizerOnnx, VideoTokenizer } from '../src/onnx/index';
import { evaluateTokenizer, TokenizerModel, trainTokenizer } from '../src/tfjs/index';

await initBackend({ backend: 'wasm', log: null });
const [T, H, W] = [4, 16, 16];
const clip = (seed: number) => ({
  data: renderSample({ width: W, height: H, frames: T, queries: 1 }, seed).rgb,
  shape: [T, H, W, 3] as const,
});
const train = Array.from({ length: 32 }, (_, i) => clip(100 + i));
const heldOut = Array.from({ length: 8 }, (_, i) => clip(1000 + i));

const config: TokenizerConfigInput = {
  frames: T,
  imageSize: [H, W],
  downsample: [2, 4, 4], // one token = a 2 x 4 x 4 tubelet (match your ViT's tubelet)
  widths: [8, 32, 32],
  resBlocks: [0, 1, 1],
  quantizer: { kind: 'fsq', levels: [8, 5, 5, 5] }, // 1,000 codes
  scorer: { width: 16, layers: 1 },
  budget: 0.25,
  topk: { samples: 8, sigma: 0.5 },
};
const model = new TokenizerModel(config, 1);
const started = performance.now();
trainTokenizer(model, train, { steps: 60, batchSize: 4, lr: 3e-3, warmup: 5 }, (s) => {
  if (s.step % 10 === 0)
    console.log(`step ${s.step}: mse full ${s.mseFull.toFixed(4)}, at budget ${s.mseBudget.toFixed(4)}`);
});
const ev = evaluateTokenizer(model, heldOut);
console.log(
  `trained in ${((performance.now() - started) / 1000).toFixed(1)} s; held-out PSNR full ${ev.psnrFull.toFixed(2)} dB, ` +
    `at the budget (${Math.round(0.25 * tokensPerClip(model.config))} of ${tokensPerClip(model.config)} tokens) ` +
    `${ev.psnrBudget.toFixed(2)} dB; ${ev.codebook.used} codes used, perplexity ${ev.codebook.perplexity.toFixed(1)}`,
);

const { encoder, decoder } = exportTokenizerOnnx(model.config, await paramsToTensors(model.params));
const tok = await VideoTokenizer.load(encoder, decoder, { device: 'cpu' });
const batch = { data: new Float32Array(2 * T * H * W * 3), shape: [2, T, H, W, 3] as const };
batch.data.set(heldOut[0].data, 0);
batch.data.set(heldOut[1].data, T * H * W * 3);
const tokens = await tok.encode(batch);
console.log(
  `ONNX Runtime (${tok.provider}): ids [${tokens.dims[0]}, ${tokens.dims[1]}] =`,
  [...tokens.ids.slice(0, 8)],
  '...',
);
const back = await tok.decode(tokens.ids);
console.log(`decoded back to clips [${back.shape}]`);
await tok.dispose();
model.dispose();
