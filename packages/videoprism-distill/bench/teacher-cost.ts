/**
 * What the frozen stage-2 teacher costs: one teacher forward (every token + the pooled embedding) in
 * tfjs wasm (one thread, the way `DistillModel` runs it, inside the training thread) and on ONNX Runtime
 * CPU (1 and 2 threads), against one whole stage-2 training step (teacher + student + both branches,
 * forward + backward + AdamW) in tfjs, and that step with the teacher's targets from `OnnxTeacher`. Small study-sized models: clips 8 x 64 x 64, tubelet 2 x 16 x 16
 * (64 tokens), teacher and student ViT width 128, depth 4, 4 heads; batch 4.
 *
 *   npx tsx --conditions=@vfmkit/source packages/videoprism-distill/bench/teacher-cost.ts
 *   (VFM_BENCH_REPS=5 by default)
 */
import { loadavg } from 'node:os';
import { type ClipBatch, describeMachine, markdownTable, medianMs, Rng } from '@vfmkit/core';
import { AdamW, initBackend, tf, trainStep } from '@vfmkit/nn';
import { openSession, tensor } from '@vfmkit/onnx';
import { distillMasks } from '../src/index';
import { exportVideoTowerOnnx, OnnxTeacher } from '../src/onnx/index';
import { DistillModel, VideoTower } from '../src/tfjs/index';

const reps = Number(process.env.VFM_BENCH_REPS ?? 5);
const vit = {
  width: 128,
  depth: 4,
  heads: 4,
  mlpDim: 512,
  frames: 8,
  imageSize: [64, 64],
  tubelet: [2, 16, 16],
} as const;
const B = 4;
const grid = { t: 4, h: 4, w: 4 };
const rng = new Rng(1);
const data = Float32Array.from({ length: B * 8 * 64 * 64 * 3 }, () => rng.uniform());
const clips: ClipBatch = { data, shape: [B, 8, 64, 64, 3] };

const backend = await initBackend();
const teacher = VideoTower.create({ encoder: vit } as never, 3);
const teacherTfjs = await medianMs(
  () =>
    tf.tidy(() => {
      const o = teacher.forward(clips);
      o.embedding.dataSync();
    }),
  reps,
  1,
);

const onnx = exportVideoTowerOnnx(teacher.config, teacher.weights());
const ortTimes: Record<number, number> = {};
for (const threads of [1, 2]) {
  const session = await openSession(onnx, { device: 'cpu', threads });
  ortTimes[threads] = await medianMs(() => session.run({ clips: tensor(data, clips.shape) }), reps, 1);
  await session.dispose();
}

const model = DistillModel.create({
  config: { student: vit as never, teacher: { encoder: vit as never } },
  teacher: { weights: teacher.weights() },
});
const opt = new AdamW(model.params, { lr: 1e-4, weightDecay: 0.05 });
let step = 0;
const stepMs = await medianMs(
  () => {
    const m = distillMasks(B, grid, { ratio: 0.65 }, step);
    trainStep(
      model,
      {
        clips: { data, shape: clips.shape },
        visible: { data: m.visible, shape: [B, m.keepCount] },
        masked: { data: m.masked, shape: [B, m.maskedCount] },
        order: { data: m.order, shape: [B, 64] },
      },
      opt,
      { step: step++ },
    );
  },
  reps,
  1,
);

// The same step with the teacher on ONNX Runtime (2 threads), its targets passed in the batch.
const ortTeacher = await OnnxTeacher.create(teacher.config, teacher.weights(), { threads: 2 });
const ortStepMs = await medianMs(
  async () => {
    const m = distillMasks(B, grid, { ratio: 0.65 }, step);
    const t = await ortTeacher.targets(clips);
    trainStep(
      model,
      {
        clips: { data, shape: clips.shape },
        visible: { data: m.visible, shape: [B, m.keepCount] },
        masked: { data: m.masked, shape: [B, m.maskedCount] },
        order: { data: m.order, shape: [B, 64] },
        teacherTokens: { data: t.tokens, shape: [B, 64, 128] },
        teacherEmbedding: { data: t.embedding, shape: [B, 128] },
      },
      opt,
      { step: step++ },
    );
  },
  reps,
  1,
);
await ortTeacher.dispose();

const pct = (ms: number) => `${((100 * ms) / stepMs).toFixed(0)}%`;
console.log(
  `\nMachine: ${describeMachine()}; tfjs backend ${backend.backend}; load average ${loadavg()[0].toFixed(2)}`,
);
console.log(
  `Stage-2 teacher cost, batch ${B} x 8 x 64 x 64 (64 tokens), ViT width 128 depth 4; median of ${reps}\n`,
);
console.log(
  markdownTable(
    ['what', 'ms', 'share of a tfjs training step'],
    [
      [
        'teacher forward, tfjs wasm (1 thread, in the training thread)',
        teacherTfjs.toFixed(1),
        pct(teacherTfjs),
      ],
      ['teacher forward, ONNX Runtime CPU, 1 thread', ortTimes[1].toFixed(1), pct(ortTimes[1])],
      ['teacher forward, ONNX Runtime CPU, 2 threads', ortTimes[2].toFixed(1), pct(ortTimes[2])],
      [
        'whole stage-2 step (teacher + student + branches, fwd + bwd + AdamW), tfjs',
        stepMs.toFixed(1),
        '100%',
      ],
      [
        'the same step with OnnxTeacher targets (ORT 2 threads + tfjs step)',
        ortStepMs.toFixed(1),
        pct(ortStepMs),
      ],
    ],
  ),
);
model.dispose();
teacher.dispose();
