/**
 * 4DS in miniature ("Scaling 4D Representations", Carreira et al. 2024): MAE pretraining keeps
 * helping on 4D tasks as the model grows. MAE at three sizes, each probed frozen on synth4d depth,
 * point tracking, box tracking and camera pose, beside a randomly initialised twin of the same size
 * (vfm-eval's --random-baseline). The plot shows each task's metric against encoder parameters.
 */
import { decodeVariant, vitParameterCount } from '@vfmkit/vit-encoder';
import { type CellKey, frozenEvalArgs, type Study } from '../apps/trainer/src/study/study';

/** Encoder sizes (all with 2x8x8 tubelets on 8x32x32 clips): width, depth, heads. */
const SIZES: Record<string, { width: number; depth: number; heads: number }> = {
  xs: { width: 32, depth: 2, heads: 2 },
  s: { width: 64, depth: 2, heads: 2 },
  m: { width: 96, depth: 4, heads: 3 },
};

const BUDGETS = {
  quick: {
    steps: 3,
    batch: 2,
    frames: 4,
    clips: 4,
    evalTrain: 8,
    evalTest: 4,
    evalSteps: 10,
    tasks: 'depth',
  },
  full: {
    steps: 300,
    batch: 8,
    frames: 8,
    clips: 256,
    evalTrain: 64,
    evalTest: 24,
    evalSteps: 150,
    tasks: 'depth,tracking,boxes,pose',
  },
};

const study: Study = {
  name: '4ds-scaling',
  question:
    'Does MAE pretraining help more on 4D tasks as the encoder grows? (4DS: "Scaling 4D Representations", Carreira et al. 2024, Fig. 1)',
  axes: { size: Object.keys(SIZES), seed: [0, 1] },
  axesFor: (budget) =>
    budget === 'quick' ? { size: ['xs', 's'], seed: [0, 1] } : { size: Object.keys(SIZES), seed: [0, 1] },
  budgets: {
    quick: {
      description: 'sizes xs and s, 2 seeds, 3 steps of 4x32x32 clips, depth only, 10 probe steps',
      parallel: 2,
    },
    full: {
      description: `sizes ${Object.keys(SIZES).join(', ')}, 2 seeds, ${BUDGETS.full.steps} MAE steps (batch ${BUDGETS.full.batch}, 8x32x32, 256 synth4d scenes), probes of ${BUDGETS.full.evalSteps} steps on ${BUDGETS.full.evalTrain} train / ${BUDGETS.full.evalTest} test clips`,
      parallel: 1,
    },
  },
  plan(cell: CellKey, budget) {
    const b = BUDGETS[budget];
    const size = SIZES[cell.size as string];
    const encoder = decodeVariant('nano/8', {
      ...size,
      mlpDim: size.width * 4,
      frames: b.frames,
      imageSize: [32, 32],
    });
    return {
      recipe: 'mae',
      train: [
        `--steps=${b.steps}`,
        `--batchSize=${b.batch}`,
        `--frames=${b.frames}`,
        '--size=32',
        `--seed=${cell.seed}`,
        '--model.variant=nano/8',
        `--model.width=${size.width}`,
        `--model.depth=${size.depth}`,
        `--model.heads=${size.heads}`,
        `--model.mlpDim=${size.width * 4}`,
        '--data.source=synth4d',
        `--data.size=${b.clips}`,
        `--workers=${budget === 'full' ? 2 : 1}`,
        '--pictures=false',
      ],
      eval: frozenEvalArgs({ ...b, suite: '4d', randomBaseline: true }, cell.seed),
      measures: { params: vitParameterCount(encoder) },
    };
  },
  analysis: [{ kind: 'scaling', measure: 'params', series: 'encoder' }],
};

export default study;
