import type { TrainConfigInput } from '../src/config/schema';

/**
 * The README's main job (`npm start`): a nano MAE pretrained on 256 synth4d scenes rendered on the
 * fly, 8 frames of 64 x 64, tubelets 2 x 8 x 8 (256 tokens, 24 visible), about 2 minutes on 2 cores.
 */
export default {
  recipe: 'mae',
  out: 'runs/demo-mae',
  steps: 200,
  batchSize: 8,
  workers: 2,
  frames: 8,
  size: 64,
  data: { source: 'synth4d', task: 'actions', split: 'train', size: 256 },
  model: { variant: 'nano/8', tubeletFrames: 2 },
  decoder: { width: 64, depth: 2, heads: 2 },
  optim: { lr: 2e-3, warmupSteps: 20, minLr: 1e-4, weightDecay: 0.05, beta1: 0.9, beta2: 0.95, clipNorm: 1 },
  checkpointEvery: 100,
} satisfies TrainConfigInput;
