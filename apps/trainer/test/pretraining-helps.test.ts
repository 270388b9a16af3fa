import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ClipBatch, Rng, tokenGridOf } from '@vfmkit/core';
import type { DepthMetrics } from '@vfmkit/metrics';
import { tf } from '@vfmkit/nn';
import { type ArrayWithShape, depthTask, type TaskGeometry } from '@vfmkit/probes';
import { fitTask } from '@vfmkit/probes/tfjs';
import { renderSample, type Synth4dSample, splitSeed, taskConfig } from '@vfmkit/synth4d';
import { type NamedWeights, type VitConfig, vitWeightSpecs } from '@vfmkit/vit-encoder';
import { VitModel } from '@vfmkit/vit-encoder/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { trainConfigSchema } from '../src/config/schema';
import { encoderConfigOf } from '../src/train/model-spec';
import { runFiles, train } from '../src/train/train';
import { loadTrainState } from '../src/train/train-state';

/**
 * Issue 11: "each head learns its synth4d task ... above a random-init encoder baseline where
 * pretraining matters". The demo (`npm start`) shows it on 8 x 64 x 64 clips; this test proves it on
 * a cheaper setting with the trainer's own `train()`: a nano/8 MAE pretrained for 100 steps on
 * synth4d/actions scenes (8 x 32 x 32 clips, tubelets 2 x 8 x 8: 64 tokens, 6 visible), its frozen
 * output tokens read out by probes' linear per-token depth head, against two random-init encoders of
 * the same config: the MAE's own starting point (seed `config.seed`, so a no-op training run would
 * tie it) and an independent init (seed `config.seed + 1000`, the demo's baseline).
 *
 * Margins, checked over training seeds 0-5 with everything else fixed (lr 3e-3; median-aligned
 * absRel of the pretrained encoder / the better baseline, and delta1 gain over the better baseline):
 *   seed 0: 0.258 vs 0.414 (ratio 0.62), delta1 0.551 vs 0.332 (+0.22)
 *   seed 1: 0.296 vs 0.418 (0.71), 0.480 vs 0.334 (+0.15)
 *   seed 2: 0.336 vs 0.425 (0.79), 0.440 vs 0.338 (+0.10)
 *   seed 3: 0.265 vs 0.450 (0.59), 0.535 vs 0.312 (+0.22)
 *   seed 4: 0.308 vs 0.414 (0.74), 0.467 vs 0.326 (+0.14)
 *   seed 5: 0.277 vs 0.460 (0.60), 0.495 vs 0.294 (+0.20)
 * so the asserted margins (absRel at most 0.85x each baseline's, delta1 at least 0.08 higher) hold for
 * every seed tried, with the worst seed still clear of both.
 */
const TRAIN_SEED = 0;
const PROBE_SEED = 7;
const ABS_REL_RATIO = 0.85;
const DELTA1_GAIN = 0.08;

const root = mkdtempSync(join(tmpdir(), 'vfm-pretraining-helps-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const config = trainConfigSchema.parse({
  recipe: 'mae',
  seed: TRAIN_SEED,
  out: join(root, 'mae'),
  steps: 100,
  batchSize: 4,
  workers: 1,
  frames: 8,
  size: 32,
  data: { source: 'synth4d', task: 'actions', split: 'train', size: 128 },
  masking: { encoder: { kind: 'tube', ratio: 0.9 }, decoder: { kind: 'all' } },
  model: { variant: 'nano/8', tubeletFrames: 2 },
  decoder: { width: 64, depth: 2, heads: 2 },
  optim: { lr: 3e-3, warmupSteps: 10, minLr: 1e-4, weightDecay: 0.05, beta1: 0.9, beta2: 0.95, clipNorm: 1 },
  checkpointEvery: 1000,
  exportOnnx: false,
  pictures: false,
});

/** synth4d/depth clips of a split at the training clip size (the probe's train and val sets). */
function depthSplit(split: 'train' | 'val', count: number): Synth4dSample[] {
  const scene = taskConfig('depth', { frames: config.frames, height: config.size, width: config.size });
  return Array.from({ length: count }, (_, i) => renderSample(scene, splitSeed(split, i)));
}

/** The encoder's weights out of a run's checkpoint (the MAE's params minus the decoder's). */
async function encoderWeights(vit: VitConfig): Promise<NamedWeights> {
  const state = await loadTrainState(runFiles(config.out).checkpoint, config);
  const weights: NamedWeights = new Map();
  for (const spec of vitWeightSpecs(vit)) {
    const t = state.params.get(spec.name);
    expect(t?.shape, `checkpoint weight ${spec.name}`).toEqual(spec.shape);
    weights.set(spec.name, { shape: spec.shape, data: t?.data as Float32Array });
  }
  return weights;
}

/** Frozen output tokens `[B, N, D]` of `samples` through the tfjs forward pass. */
function frozenTokens(model: VitModel, samples: readonly Synth4dSample[]): ArrayWithShape {
  const clipSize = config.frames * config.size * config.size * 3;
  const data = new Float32Array(samples.length * clipSize);
  for (const [i, s] of samples.entries()) data.set(s.rgb, i * clipSize);
  const clips: ClipBatch = { data, shape: [samples.length, config.frames, config.size, config.size, 3] };
  const tokens = model.forwardFeatures(clips);
  try {
    return { data: tokens.dataSync() as Float32Array, shape: tokens.shape };
  } finally {
    tokens.dispose();
  }
}

describe('MAE pretraining beats a random-init encoder on a frozen synth4d depth probe', () => {
  it('a 100-step nano MAE lowers the linear readout absRel by >= 15% and raises delta1 by >= 0.08 over its own init and an independent init', async () => {
    const vit = encoderConfigOf(config);
    // Step 0: the checkpoint holds the untrained MAE, whose encoder is exactly VitModel.create(vit, seed).
    const start = await train(config, { progress: false, maxStepsThisRun: 0 });
    expect(start.steps).toBe(0);
    const init = VitModel.create(vit, config.seed);
    const initWeights = await init.weights();
    for (const [name, w] of await encoderWeights(vit))
      expect(initWeights.get(name)?.data, name).toEqual(w.data);

    const run = await train(config, { progress: false, resume: true });
    expect(run.stoppedBy).toBe('done');
    expect(run.steps).toBe(config.steps);
    const pretrained = VitModel.create(vit, await encoderWeights(vit));
    const independent = VitModel.create(vit, config.seed + 1000);

    const trainClips = depthSplit('train', 48);
    const valClips = depthSplit('val', 16);
    const grid = tokenGridOf([config.frames, config.size, config.size], vit.tubelet);
    const geometry: TaskGeometry = {
      grid,
      frames: config.frames,
      height: config.size,
      width: config.size,
      featureWidth: vit.width,
      layers: 1,
    };
    const probe = (model: VitModel): DepthMetrics => {
      const r = fitTask(
        depthTask,
        geometry,
        { features: frozenTokens(model, trainClips), samples: trainClips },
        { features: frozenTokens(model, valClips), samples: valClips },
        { kind: 'linear', steps: 150 },
        new Rng(PROBE_SEED),
      );
      expect(r.table[0]).toMatchObject({ name: 'absRel (median-aligned)', value: r.metrics.aligned.absRel });
      return r.metrics.aligned;
    };
    const numTensors = tf.memory().numTensors;
    const scores = {
      pretrained: probe(pretrained),
      init: probe(init),
      independent: probe(independent),
    };
    expect(tf.memory().numTensors).toBe(numTensors);
    for (const m of [pretrained, init, independent]) m.dispose();

    console.log(
      `synth4d/depth linear readout, absRel / delta1 (median-aligned): pretrained ${fmt(scores.pretrained)}, ` +
        `own init ${fmt(scores.init)}, independent init ${fmt(scores.independent)}`,
    );
    for (const baseline of [scores.init, scores.independent]) {
      expect(scores.pretrained.absRel).toBeLessThan(ABS_REL_RATIO * baseline.absRel);
      expect(scores.pretrained.delta1).toBeGreaterThan(baseline.delta1 + DELTA1_GAIN);
    }
  }, 120_000);
});

function fmt(m: DepthMetrics): string {
  return `${m.absRel.toFixed(3)} / ${m.delta1.toFixed(3)}`;
}
