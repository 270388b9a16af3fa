import type { TrainConfigInput } from '../src/config/schema';

/**
 * VideoMAE V2 dual masking: tube masking 0.9 for the encoder; the decoder reconstructs only half of
 * the tokens (random by default; `--masking.decoder.kind=running-cell` for V2's cell pattern).
 */
export default {
  recipe: 'mae-dual',
  masking: { encoder: { kind: 'tube', ratio: 0.9 }, decoder: { kind: 'random', ratio: 0.5 } },
} satisfies TrainConfigInput;
