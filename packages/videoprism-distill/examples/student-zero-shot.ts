/**
 * The stage-2 student as a zero-shot video-text model, on toy data: stage 1 (video-text contrastive)
 * -> its VideoTextModel folder -> stage 2 distils the stage-1 video tower into a student -> the
 * student's global path + the teacher's text tower as a second VideoTextModel folder -> held-out
 * retrieval and zero-shot classification with both models on ONNX Runtime.
 *
 *   npx tsx --conditions=@vfmkit/source packages/videoprism-distill/examples/student-zero-shot.ts
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
import {
  VideoTextModel,
  writeStudentVideoTextModel,
  writeVideoTextModel,
} from '@vfmkit/videoprism-distill/onnx';
import { ContrastiveModel, DISTILL_STATS, DistillModel } from '@vfmkit/videoprism-distill/tfjs';
import { BACKS, COLORS, encoder, grid, tokenizer, toyClips } from './toy-data';

const STAGE1_STEPS = Number(process.env.STAGE1_STEPS ?? 40);
const STAGE2_STEPS = Number(process.env.STAGE2_STEPS ?? 40);

const t0 = performance.now();
await initBackend();
// ---- Stage 1: video-text contrastive.
const text = { vocabSize: tokenizer.vocabSize, maxLength: 6, width: 32, depth: 1, heads: 2, embedDim: 32 };
const stage1 = ContrastiveModel.create({ config: { video: { encoder }, text, tubeDrop: 0.5 } });
const opt1 = new AdamW(stage1.params, { lr: 3e-3, weightDecay: 0.01 });
for (let step = 0; step < STAGE1_STEPS; step++) {
  const { clips, captions } = toyClips(16, step);
  trainStep(stage1, contrastiveBatch(clips, tokenizer.encode(captions, 6), grid, 0.5, step), opt1, { step });
}
const dir = mkdtempSync(join(tmpdir(), 'videoprism-student-'));
await writeVideoTextModel(join(dir, 'teacher'), {
  video: { config: stage1.video.config, weights: stage1.video.weights() },
  text: { config: text, weights: stage1.text.weights() },
  tokenizer,
  temperature: stage1.temperature,
});

// ---- Stage 2: the student distils the frozen stage-1 tower (block masks 0.65, local + global).
const stage2 = DistillModel.create({
  config: {
    student: encoder,
    teacher: stage1.video.config as never,
    local: { depth: 4 },
    global: { depth: 1 },
  },
  teacher: { weights: stage1.video.weights() },
});
const opt2 = new AdamW(stage2.params, { lr: 3e-3, weightDecay: 0.05 });
let globalCos = Number.NaN;
for (let step = 0; step < STAGE2_STEPS; step++) {
  const batch = distillBatch(toyClips(16, 100 + step).clips, grid, { ratio: 0.65 }, step);
  globalCos = trainStep(stage2, batch, opt2, { step }).stats[DISTILL_STATS.globalCos][0];
}
console.log(`stage 2: global cosine to the teacher ${globalCos.toFixed(3)} at step ${STAGE2_STEPS}`);

// ---- The student as a video-text model: its global path + the teacher's text tower and tokenizer.
await writeStudentVideoTextModel(join(dir, 'student'), {
  student: { config: stage2.config, weights: await stage2.studentVideoWeights() },
  teacher: join(dir, 'teacher'), // the stage-1 folder: text_tower.onnx and tokenizer.json are copied
});

// ---- Held-out retrieval and zero-shot classification, teacher and student side by side.
const held = toyClips(16, 999);
const names = Object.keys(COLORS).map((c) => `${c} square`);
const { prompts, classOf } = classPrompts(
  names,
  Object.keys(BACKS).map((b) => `{} on ${b}`),
);
for (const kind of ['teacher', 'student'] as const) {
  const model = await VideoTextModel.load(join(dir, kind));
  const v = await model.embedVideo(held.clips);
  const sim = model.similarity(v, await model.embedText(held.captions)); // [16, 16] cosine
  let v2t = 0;
  let t2v = 0;
  for (let i = 0; i < 16; i++) {
    const row = Array.from(sim.data.subarray(i * 16, i * 16 + 16));
    const col = Array.from({ length: 16 }, (_, j) => sim.data[j * 16 + i]);
    if (row.indexOf(Math.max(...row)) === i) v2t++;
    if (col.indexOf(Math.max(...col)) === i) t2v++;
  }
  const classes = classEmbeddings(await model.embedText(prompts), classOf, names.length);
  const { predictions } = zeroShotClassify(v, classes);
  const right = held.captions.filter((c, i) => c.startsWith(names[predictions[i]])).length;
  console.log(
    `${kind}: video-to-text R@1 ${(v2t / 16).toFixed(3)}, text-to-video R@1 ${(t2v / 16).toFixed(3)} (chance 0.0625); zero-shot colour ${right}/16 (chance 4/16)`,
  );
  await model.dispose();
}
console.log(`wall ${((performance.now() - t0) / 1000).toFixed(1)} s`);
