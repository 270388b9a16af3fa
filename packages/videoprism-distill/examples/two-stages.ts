/**
 * VideoPrism's two stages end to end on toy data, in about half a minute on 2 CPU cores:
 * stage 1 (video-text contrastive) -> the video tower as stage 2's teacher -> stage 2 (masked
 * global-local distillation) -> both towers on ONNX Runtime for retrieval and zero-shot classification.
 *
 *   npx tsx --conditions=@vfmkit/source packages/videoprism-distill/examples/two-stages.ts
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AdamW, initBackend, trainStep } from '@vfmkit/nn';
import {
  classEmbeddings,
  classPrompts,
  contrastiveBatch,
  distillBatch,
  zeroShotClassify,
} from '@vfmkit/videoprism-distill';
import { VideoTextModel, writeVideoTextModel } from '@vfmkit/videoprism-distill/onnx';
import {
  ContrastiveModel,
  DISTILL_STATS,
  DistillModel,
  saveVideoTowerCheckpoint,
} from '@vfmkit/videoprism-distill/tfjs';
import { BACKS, COLORS, encoder, grid, tokenizer, toyClips } from './toy-data';

// The toy data, the nano ViT and a word-level tokenizer come from ./toy-data.ts. (Or train a tokenizer on
// your captions: await TextTokenizer.train(captions, { kind: 'bpe', vocabSize: 1000 }).)
await initBackend();

// ---- Stage 1: video-text contrastive, 50% tube drop, learnable clamped temperature.
const text = { vocabSize: tokenizer.vocabSize, maxLength: 6, width: 32, depth: 1, heads: 2, embedDim: 32 };
const stage1 = ContrastiveModel.create({ config: { video: { encoder }, text, tubeDrop: 0.5 } });
const opt1 = new AdamW(stage1.params, { lr: 3e-3, weightDecay: 0.01 });
for (let step = 0; step < 40; step++) {
  const { clips, captions } = toyClips(16, step);
  const batch = contrastiveBatch(clips, tokenizer.encode(captions, 6), grid, 0.5, step);
  const r = trainStep(stage1, batch, opt1, { step });
  if (step % 10 === 9)
    console.log(
      `stage 1 step ${step + 1}: loss ${r.loss.toFixed(3)}, temperature ${stage1.temperature.toFixed(4)}`,
    );
}

// Export: the video-text model for inference, and the video tower as stage 2's teacher.
const dir = mkdtempSync(join(tmpdir(), 'videoprism-'));
await writeVideoTextModel(join(dir, 'video-text'), {
  video: { config: stage1.video.config, weights: stage1.video.weights() },
  text: { config: text, weights: stage1.text.weights() },
  tokenizer,
  temperature: stage1.temperature,
});
await saveVideoTowerCheckpoint(join(dir, 'teacher.safetensors'), stage1.video.config, stage1.video.weights());

// ---- Stage 2: a student distils the frozen stage-1 tower (block masks 0.65, token shuffling, local + global).
const stage2 = DistillModel.create({
  config: {
    student: encoder,
    teacher: stage1.video.config as never,
    local: { depth: 4 },
    global: { depth: 1 },
  },
  teacher: { checkpoint: join(dir, 'teacher.safetensors') },
});
const opt2 = new AdamW(stage2.params, { lr: 3e-3, weightDecay: 0.05 });
for (let step = 0; step < 20; step++) {
  const batch = distillBatch(toyClips(8, 100 + step).clips, grid, { ratio: 0.65 }, step);
  const r = trainStep(stage2, batch, opt2, { step });
  if (step % 5 === 4)
    console.log(
      `stage 2 step ${step + 1}: cosine to the teacher, local ${r.stats[DISTILL_STATS.localCos][0].toFixed(3)}, global ${r.stats[DISTILL_STATS.globalCos][0].toFixed(3)}`,
    );
}
// stage2.student is the distilled encoder (a @vfmkit/vit-encoder VitModel): saveVitCheckpoint(path, config, await stage2.studentWeights()).

// ---- Inference on ONNX Runtime: retrieval and zero-shot classification on held-out clips.
const model = await VideoTextModel.load(join(dir, 'video-text'));
const held = toyClips(16, 999);
const v = await model.embedVideo(held.clips);
const t = await model.embedText(held.captions);
const sim = model.similarity(v, t); // [16, 16] cosine
let hits = 0;
for (let i = 0; i < 16; i++) {
  const row = Array.from(sim.data.subarray(i * 16, i * 16 + 16));
  if (row.indexOf(Math.max(...row)) === i) hits++;
}
console.log(`held-out video-to-text R@1: ${(hits / 16).toFixed(3)} (chance ${(1 / 16).toFixed(3)})`);
const names = Object.keys(COLORS).map((c) => `${c} square`);
// Prompt ensembling: one class embedding from several prompts per class.
const { prompts, classOf } = classPrompts(
  names,
  Object.keys(BACKS).map((b) => `{} on ${b}`),
);
const classes = classEmbeddings(await model.embedText(prompts), classOf, names.length);
const { predictions } = zeroShotClassify(v, classes);
const right = held.captions.filter((c, i) => c.startsWith(names[predictions[i]])).length;
console.log(`zero-shot colour classification: ${right}/16 right (chance 4/16)`);
await model.dispose();
