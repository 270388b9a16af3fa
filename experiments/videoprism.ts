/**
 * VideoPrism in miniature (Zhao et al. 2024, "VideoPrism: A Foundational Visual Encoder for Video
 * Understanding"): does stage-2 masked global-local distillation from a video-text teacher give a
 * student that beats a plain MAE of the same size and budget on semantic tasks (action classification
 * with a frozen attentive probe) while keeping 4D skills (point tracking), and what do token shuffling
 * and the global loss add? Every cell trains from the same frozen stage-1 teacher (one
 * `vfm-train videoprism-contrastive` run, trained once per budget and shared), and is probed frozen on
 * synth4d actions and tracking; the distilled students are also scored zero-shot (retrieval and
 * classification, the student's global embedding against the teacher's text tower).
 *
 * Arms: `mae` (the `mae` recipe: tube masking 0.9, pixel targets), `distill` (shuffle `content`,
 * global loss on), `no-shuffle` (shuffle off), `no-global` (global loss off). Token shuffling in its
 * literal form (`tokens`: shuffle with positions, decode, unshuffle) is a no-op for a
 * permutation-equivariant decoder (see @vfmkit/videoprism-distill's README), so "shuffle on" here is
 * the `content` form.
 *
 * The teacher lives in `$TMPDIR/vfm-videoprism-teachers/<budget>`: trained on first use, renamed into
 * place atomically, reused by later cells and reruns (delete it after changing its settings here).
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CellKey, frozenEvalArgs, type Study, sharedRun } from '../apps/trainer/src/study/study';

const BUDGETS = {
  quick: {
    size: 16,
    frames: 4,
    teacherSteps: 4,
    teacherBatch: 4,
    teacherClips: 8,
    steps: 3,
    batch: 4,
    clips: 8,
    evalTrain: 8,
    evalTest: 4,
    evalSteps: 5,
    zeroShotClips: 8,
    tasks: 'actions',
  },
  full: {
    size: 32,
    frames: 4,
    teacherSteps: 500,
    teacherBatch: 32,
    teacherClips: 4000,
    steps: 300,
    batch: 16,
    clips: 1000,
    evalTrain: 64,
    evalTest: 32,
    evalSteps: 100,
    zeroShotClips: 64,
    tasks: 'actions,tracking',
  },
};
type Budget = keyof typeof BUDGETS;

/** The clip, model and data flags every run of a budget shares. */
function common(b: (typeof BUDGETS)[Budget]): string[] {
  return [
    `--frames=${b.frames}`,
    `--size=${b.size}`,
    '--model.variant=nano/8',
    '--model.tubeletFrames=2',
    '--data.source=synth4d',
    '--data.objects=1',
    '--pictures=false',
  ];
}

/** The frozen stage-1 teacher of this budget, trained by `vfm-train videoprism-contrastive` on first use. */
function teacherRun(budget: Budget): string {
  const b = BUDGETS[budget];
  return sharedRun(
    join(tmpdir(), 'vfm-videoprism-teachers', budget),
    'videoprism-contrastive',
    [
      `--steps=${b.teacherSteps}`,
      `--batchSize=${b.teacherBatch}`,
      `--data.size=${b.teacherClips}`,
      `--checkpointEvery=${b.teacherSteps}`,
      '--optim.lr=1e-3',
      ...common(b),
    ],
    ['video-tower.safetensors', 'videoprism/videoprism.json'],
  );
}

const ARMS = {
  mae: { recipe: 'mae', args: [] as string[] },
  distill: {
    recipe: 'videoprism-distill',
    args: ['--videoprism.shuffle=content', '--videoprism.globalLoss=true'],
  },
  'no-shuffle': {
    recipe: 'videoprism-distill',
    args: ['--videoprism.shuffle=off', '--videoprism.globalLoss=true'],
  },
  'no-global': {
    recipe: 'videoprism-distill',
    args: ['--videoprism.shuffle=content', '--videoprism.globalLoss=false'],
  },
} as const;

const study: Study = {
  name: 'videoprism',
  question:
    'Does masked global-local distillation from a video-text teacher beat a plain MAE of the same size and budget on semantic tasks while keeping 4D skills, and what do token shuffling and the global loss add? (VideoPrism, Zhao et al. 2024)',
  axes: { arm: Object.keys(ARMS), seed: [0, 1, 2] },
  axesFor: (budget) =>
    budget === 'quick' ? { arm: ['mae', 'distill'], seed: [0] } : { arm: Object.keys(ARMS), seed: [0, 1, 2] },
  budgets: {
    quick: {
      description:
        'mae vs distill, 1 seed; 4 x 16 x 16 clips, teacher 4 steps, students 3 steps, actions probe of 5 steps',
      parallel: 1,
    },
    full: {
      description: `4 arms x 3 seeds; nano/8 ViT (2 x 8 x 8 tubelets) on ${BUDGETS.full.frames} x ${BUDGETS.full.size} x ${BUDGETS.full.size} synth4d clips with one object; teacher: videoprism-contrastive ${BUDGETS.full.teacherSteps} steps of batch ${BUDGETS.full.teacherBatch} on ${BUDGETS.full.teacherClips} captioned scenes; students and MAE ${BUDGETS.full.steps} steps of batch ${BUDGETS.full.batch} on ${BUDGETS.full.clips} scenes; frozen attentive probes (${BUDGETS.full.tasks}) of ${BUDGETS.full.evalSteps} steps on ${BUDGETS.full.evalTrain} train / ${BUDGETS.full.evalTest} test clips; zero-shot on ${BUDGETS.full.zeroShotClips} val clips`,
      parallel: 1,
    },
  },
  plan(cell: CellKey, budget) {
    const b = BUDGETS[budget];
    const arm = ARMS[cell.arm as keyof typeof ARMS];
    const distilled = arm.recipe === 'videoprism-distill';
    return {
      recipe: arm.recipe,
      train: [
        `--steps=${b.steps}`,
        `--batchSize=${b.batch}`,
        `--seed=${cell.seed}`,
        `--data.size=${b.clips}`,
        ...common(b),
        ...(distilled ? [`--videoprism.teacher=${teacherRun(budget)}`, ...arm.args] : []),
      ],
      eval: frozenEvalArgs(b, cell.seed),
      // Zero-shot needs the student's global branch (its embedding lives in the teacher's text space).
      ...(distilled && cell.arm !== 'no-global'
        ? { zeroShot: ['--test-clips', String(b.zeroShotClips), '--objects', '1'] }
        : {}),
    };
  },
  analysis: [{ kind: 'bars', a: 'arm' }],
};

export default study;
