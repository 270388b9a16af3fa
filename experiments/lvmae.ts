/**
 * LVMAE in miniature ("Extending Video Masked Autoencoders to 128 frames", Gundavarapu et al. 2024):
 * at an equal decoder budget (15% of all tokens), does decoding the tokens a learned tokenizer ranks
 * highest beat random, uniform and running-cell decoder masks; do token-id targets beat normalised
 * pixels; do 64-frame clips beat 16-frame ones? Every cell trains `vfm-train lvmae` from the same frozen
 * tokenizer (one `vfm-train tokenizer` run on short clips, trained once and shared by the cells; the
 * recipe exports it from its checkpoint at each cell's clip length, since it is fully convolutional),
 * and is probed frozen on synth4d temporal localization, actions and point tracking (the 4D task).
 *
 * Sizing the full budget (measured 2026-11-27 on the shared 2-core machine, load ~6): tokenizer steps
 * ~1.3 s (16 x 32 x 32, batch 2: ~2.5 min for 100); LVMAE steps at batch 4 ~0.28 s (64 frames) and
 * ~0.1 s (16 frames); vfm-eval on a 64-frame encoder, 20 probe steps, 48/24 clips: temporal 6.7 s,
 * actions 2.7 s, tracking 8.6 s, pose 14.2 s, depth 51.3 s (so depth, the costliest 4D probe, is left
 * out). Estimate: ~80 s per 64-frame cell and ~40 s per 16-frame cell, 48 cells, ~50-60 min in all.
 * A larger budget (more steps, 64 x 64 clips, 128 frames, depth) needs hours here: each doubling of
 * steps or clips doubles the time, and 128-frame full decoding does not fit tfjs-wasm's 2 GB heap
 * (bench:lvmae); the adaptive budget does.
 *
 * The tokenizer lives in `$TMPDIR/vfm-lvmae-tokenizers/<budget>-s32`: trained on first use, renamed
 * into place atomically, reused by later cells and reruns (delete it after changing its settings here).
 * Training it directly on 64-frame clips of 32 x 32 does not fit tfjs-wasm's heap at batch 2 (measured:
 * out-of-bounds abort), hence one short-clip tokenizer for every clip length.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CellKey, frozenEvalArgs, type Study, sharedRun } from '../apps/trainer/src/study/study';

const SIZE = 32;

const BUDGETS = {
  quick: {
    steps: 3,
    batch: 2,
    clips: 4,
    tokenizerSteps: 2,
    tokenizerFrames: 4,
    evalTrain: 8,
    evalTest: 4,
    evalSteps: 5,
    tasks: 'actions',
  },
  full: {
    steps: 120,
    batch: 4,
    clips: 64,
    tokenizerSteps: 100,
    tokenizerFrames: 16,
    evalTrain: 48,
    evalTest: 24,
    evalSteps: 60,
    tasks: 'temporal,actions,tracking',
  },
};

/**
 * The frozen tokenizer of this budget, trained by `vfm-train tokenizer` on first use on
 * `tokenizerFrames`-frame clips (2 x 8 x 8 latent tokens, the grid of the nano/8 ViT with 2-frame
 * tubelets; FSQ [8, 5, 5, 5]).
 */
function tokenizerRun(budget: 'quick' | 'full'): string {
  const b = BUDGETS[budget];
  return sharedRun(
    join(tmpdir(), 'vfm-lvmae-tokenizers', `${budget}-s${SIZE}`),
    'tokenizer',
    [
      `--steps=${b.tokenizerSteps}`,
      '--batchSize=2',
      `--frames=${b.tokenizerFrames}`,
      `--size=${SIZE}`,
      '--data.source=synth4d',
      `--data.size=${b.clips}`,
      `--checkpointEvery=${b.tokenizerSteps}`,
      '--pictures=false',
      '--tokenizer.baseWidth=8',
    ],
    ['tokenizer.safetensors'],
  );
}

const study: Study = {
  name: 'lvmae',
  question:
    'At an equal 15% decoder budget, does adaptive (learned-priority) decoder masking beat random, uniform and running-cell masks; do token-id targets beat pixels; do 64-frame clips beat 16-frame ones? (LVMAE, Gundavarapu et al. 2024)',
  axes: {
    decoder: ['adaptive', 'random', 'uniform', 'running-cell'],
    target: ['tokens', 'pixels'],
    frames: [16, 64],
    seed: [0, 1, 2],
  },
  axesFor: (budget) =>
    budget === 'quick'
      ? { decoder: ['adaptive', 'random'], target: ['tokens'], frames: [8], seed: [0] }
      : {
          decoder: ['adaptive', 'random', 'uniform', 'running-cell'],
          target: ['tokens', 'pixels'],
          frames: [16, 64],
          seed: [0, 1, 2],
        },
  budgets: {
    quick: {
      description:
        'adaptive vs random, token targets, 8 x 32 x 32 clips, 1 seed; tokenizer 2 steps on 4-frame clips, LVMAE 3 steps, actions probe of 5 steps',
      parallel: 1,
    },
    full: {
      description: `4 decoder masks x 2 targets x 16/64 frames x 3 seeds at a 15% budget; nano/8 ViT (2 x 8 x 8 tubelets) on ${SIZE} x ${SIZE} clips, tube masking 0.9, decoder 64 x 2; tokenizer ${BUDGETS.full.tokenizerSteps} steps on ${BUDGETS.full.tokenizerFrames}-frame clips; LVMAE ${BUDGETS.full.steps} steps of batch ${BUDGETS.full.batch} on ${BUDGETS.full.clips} synth4d scenes; frozen probes (${BUDGETS.full.tasks}) of ${BUDGETS.full.evalSteps} steps on ${BUDGETS.full.evalTrain} train / ${BUDGETS.full.evalTest} test clips`,
      parallel: 1,
    },
  },
  plan(cell: CellKey, budget) {
    const b = BUDGETS[budget];
    const frames = Number(cell.frames);
    const tokenizer = tokenizerRun(budget);
    return {
      recipe: 'lvmae',
      train: [
        `--steps=${b.steps}`,
        `--batchSize=${b.batch}`,
        `--frames=${frames}`,
        `--size=${SIZE}`,
        `--seed=${cell.seed}`,
        '--model.variant=nano/8',
        '--model.tubeletFrames=2',
        '--data.source=synth4d',
        `--data.size=${b.clips}`,
        `--lvmae.tokenizer=${tokenizer}`,
        `--lvmae.decoder=${cell.decoder}`,
        `--lvmae.target=${cell.target}`,
        '--lvmae.budget=0.15',
        '--pictures=false',
      ],
      eval: frozenEvalArgs(b, cell.seed),
      measures: { frames },
    };
  },
  analysis: [
    { kind: 'spread', a: 'decoder', b: 'target' },
    { kind: 'spread', a: 'decoder', b: 'frames' },
  ],
};

export default study;
