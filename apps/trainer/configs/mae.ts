import type { TrainConfigInput } from '../src/config/schema';

/** VideoMAE: tube masking 0.9, per-patch normalised pixel targets, the decoder reconstructs every hidden token. */
export default {
  recipe: 'mae',
  masking: { encoder: { kind: 'tube', ratio: 0.9 }, decoder: { kind: 'all' } },
} satisfies TrainConfigInput;
