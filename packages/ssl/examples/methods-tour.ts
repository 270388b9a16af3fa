/**
 * The five joint-embedding methods on a nano ViT: one fixed batch of synthetic clips, two views each
 * under the `standard` policy, 20 AdamW steps per method. Prints each method's loss before and after,
 * the collapse signal, and the time per step; writes a preview of every augmentation policy.
 *
 * Run: npx tsx --conditions=@vfmkit/source packages/ssl/examples/methods-tour.ts [out.png]
 */
import { writeFileSync } from 'node:fs';
import { type Clip, Rng } from '@vfmkit/core';
import { AdamW, computeGradients, disposeGrads, initBackend, tf } from '@vfmkit/nn';
import {
  augmentPolicy,
  collapseReport,
  policyPreview,
  SSL_METHOD_NAMES,
  sslMethod,
  viewBatch,
} from '../src/index';
import { createJointEmbedding, type JointEmbeddingModel } from '../src/tfjs/index';

await initBackend({ log: null });

/** Eight synthetic clips of 8 x 40 x 40: a moving colour pattern per clip. */
const clips: Clip[] = Array.from({ length: 8 }, (_, c) => {
  const data = new Float32Array(8 * 40 * 40 * 3);
  for (let t = 0; t < 8; t++)
    for (let y = 0; y < 40; y++)
      for (let x = 0; x < 40; x++) {
        const o = ((t * 40 + y) * 40 + x) * 3;
        data[o] = 0.5 + 0.5 * Math.sin((x + 2 * t * (c + 1)) / (3 + c));
        data[o + 1] = 0.5 + 0.5 * Math.cos((y + t) / (2 + (c % 4)));
        data[o + 2] = (c % 3) / 2;
      }
  return { data, shape: [8, 40, 40, 3] };
});

writeFileSync(
  process.argv[2] ?? 'ssl-policies.png',
  policyPreview(clips[0], { size: 32, views: 3, frames: 4, seed: 1 }),
);

const encoder = {
  width: 64,
  depth: 2,
  heads: 2,
  mlpDim: 128,
  tubelet: [2, 8, 8] as [number, number, number],
  frames: 4,
  imageSize: [32, 32] as [number, number],
};
const heads = {
  simclr: { projector: { hidden: 64, out: 32, layers: 2 } },
  mocov3: { projector: { hidden: 64, out: 32, layers: 3 }, predictor: { hidden: 64, out: 32, layers: 2 } },
  byol: { projector: { hidden: 64, out: 32, layers: 2 }, predictor: { hidden: 64, out: 32, layers: 2 } },
  dino: { projector: { hidden: 64, out: 64, layers: 3 } },
  vicreg: { projector: { hidden: 64, out: 64, layers: 3 } },
};
const batch = viewBatch(clips, augmentPolicy('standard', 32), { frames: 4, size: 32, count: 2 }, new Rng(7));
const views = tf.tensor(batch.views.data, batch.views.shape);
const steps = 20;

function step(model: JointEmbeddingModel, opt: AdamW, s: number): number {
  const recorded = new Map<string, Float32Array>();
  const record = (n: string, v: tf.Tensor) => recorded.set(n, Float32Array.from(v.dataSync()));
  const { loss, grads } = computeGradients(model.params, () =>
    model.loss({ views }, { step: s, worker: 0, record }),
  );
  const value = loss.dataSync()[0];
  loss.dispose();
  opt.step(grads);
  disposeGrads(grads);
  const stats = new Map([...recorded].map(([n, d]) => [n, tf.tensor(d, [...(model.stats[n] ?? [])])]));
  model.afterStep({ step: s + 1, stats });
  for (const t of stats.values()) t.dispose();
  return value;
}

console.log('| method | loss, step 1 | loss, step 20 | projector std x sqrt(D) | ms / step |');
console.log('|---|---|---|---|---|');
for (const name of SSL_METHOD_NAMES) {
  const method = sslMethod(name, heads[name]);
  const model = createJointEmbedding({ encoder, method, views: 2, seed: 1, steps });
  const opt = new AdamW(model.params, { lr: 1e-3, weightDecay: 0.05 });
  const losses: number[] = [];
  const t0 = performance.now();
  for (let s = 0; s < steps; s++) losses.push(step(model, opt, s));
  const ms = (performance.now() - t0) / steps;
  const std = collapseReport(model.lastStats()['ssl.embeddingStd'], method.projector.out);
  console.log(
    `| ${name} | ${losses[0].toFixed(4)} | ${losses[steps - 1].toFixed(4)} | ${std.ratio.toFixed(2)}${std.collapsed ? ' (collapsed)' : ''} | ${ms.toFixed(0)} |`,
  );
  model.dispose();
}
views.dispose();
