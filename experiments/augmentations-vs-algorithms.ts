/**
 * "Augmentations vs Algorithms: What Works in Self-Supervised Learning" in miniature: the paper puts
 * SSL methods into one template and finds that algorithmic additions (predictors, new losses,
 * momentum targets) move downstream accuracy by < 1% while stronger augmentations move it by 2-4%.
 * Here: joint-embedding methods x augmentation policies x seeds on synth4d, each encoder probed frozen
 * on synth4d actions (classification) and box tracking (a 4D task). The report sets the spread
 * across methods at a fixed policy beside the spread across policies at a fixed method.
 */
import { type CellKey, frozenEvalArgs, type Study } from '../apps/trainer/src/study/study';

const BUDGETS = {
  quick: { steps: 2, batch: 4, clips: 4, evalTrain: 8, evalTest: 4, evalSteps: 10, tasks: 'actions' },
  full: {
    steps: 150,
    batch: 8,
    clips: 256,
    evalTrain: 96,
    evalTest: 48,
    evalSteps: 150,
    tasks: 'actions,boxes',
  },
};

const study: Study = {
  name: 'augmentations-vs-algorithms',
  question:
    'Do augmentations matter more than the algorithm? ("Augmentations vs Algorithms: What Works in Self-Supervised Learning": algorithmic additions move accuracy by < 1%, stronger augmentations by 2-4%.)',
  axes: {
    method: ['simclr', 'byol', 'dino', 'vicreg'],
    policy: ['weak', 'standard', 'strong'],
    seed: [0, 1, 2],
  },
  axesFor: (budget) =>
    budget === 'quick'
      ? { method: ['simclr', 'vicreg'], policy: ['weak', 'strong'], seed: [0] }
      : {
          method: ['simclr', 'byol', 'dino', 'vicreg'],
          policy: ['weak', 'standard', 'strong'],
          seed: [0, 1, 2],
        },
  budgets: {
    quick: {
      description: 'simclr and vicreg x weak and strong, 1 seed, 2 steps, actions only, 10 probe steps',
      parallel: 2,
    },
    full: {
      description: `4 methods x 3 policies x 3 seeds; nano/8 encoder, ${BUDGETS.full.steps} steps of batch ${BUDGETS.full.batch} (2 views of 4 frames from 8x32x32 clips, 256 synth4d scenes); frozen attentive probes of ${BUDGETS.full.evalSteps} steps on ${BUDGETS.full.evalTrain} train / ${BUDGETS.full.evalTest} test clips`,
      parallel: 2,
    },
  },
  plan(cell: CellKey, budget) {
    const b = BUDGETS[budget];
    return {
      recipe: String(cell.method),
      train: [
        `--steps=${b.steps}`,
        `--batchSize=${b.batch}`,
        '--frames=8',
        '--size=32',
        `--seed=${cell.seed}`,
        '--model.variant=nano/8',
        `--views.policy=${cell.policy}`,
        '--data.source=synth4d',
        `--data.size=${b.clips}`,
        '--pictures=false',
      ],
      eval: frozenEvalArgs(b, cell.seed),
    };
  },
  analysis: [{ kind: 'spread', a: 'method', b: 'policy' }],
};

export default study;
