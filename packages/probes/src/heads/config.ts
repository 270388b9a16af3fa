import { ConfigError, parseConfig } from '@vfmkit/core';
import { z } from 'zod';

const posInt = z.number().int().positive();

/**
 * The zod schema of {@link ProbeHeadConfig}. Kinds (VideoGLUE Sec. 3.2, 4DS readout):
 * - `linear`: feature layer norm, then a linear layer on the mean token (`pool: 'mean'`), on every
 *   token (`pool: 'none'`, a dense per-token readout) or on the mean token of each time step
 *   (`pool: 'time'`, tokens t-major in `timeSteps` equal groups: a per-time readout);
 * - `attentive`: an attentive pooler: feature layer norm, (optional learned positional encoding),
 *   learned queries, multi-head cross-attention, residual MLP, linear output per query;
 * - `mlap`: a multi-layer attention pooler over the last `layers` encoder layers: stage i attends over
 *   layer i's tokens with the previous stage's output (plus its own learned queries) as its query.
 */
export const probeHeadConfigSchema = z
  .object({
    kind: z.enum(['linear', 'attentive', 'mlap']),
    /** Width D of the encoder features. */
    inputWidth: posInt,
    /** Tokens N per clip (per layer for `mlap`). */
    tokens: posInt,
    /** Outputs per query O: classes, depth values of a patch, `T * 2` track coordinates, ... */
    outputs: posInt,
    /** Learned queries Q (attentive and mlap); one output row per query. */
    queries: posInt.default(1),
    /**
     * `linear` only: `mean` pools tokens into one row, `none` reads every token out (R = N), `time`
     * pools the tokens of each of `timeSteps` time steps (R = timeSteps).
     */
    pool: z.enum(['mean', 'none', 'time']).default('mean'),
    /** Time steps of the token grid (its `t`), for `pool: 'time'`; must divide `tokens`. */
    timeSteps: posInt.default(1),
    /** Attention heads of the pooler (must divide `inputWidth`). */
    heads: posInt.default(4),
    /** MLP hidden size = `mlpRatio * inputWidth`. */
    mlpRatio: z.number().positive().default(4),
    /** Encoder layers read by `mlap` (VideoGLUE: 4). */
    layers: posInt.default(4),
    /** Add a learned positional encoding `[1, N, D]` to the features (4DS readout; needed for dense tasks). */
    positional: z.boolean().default(false),
    /** Width of per-query conditioning (e.g. Fourier features of a query point or a box); 0 = none. */
    conditionWidth: z.number().int().nonnegative().default(0),
  })
  .strict();

/** A probe head configuration; see {@link probeHeadConfigSchema}. */
export type ProbeHeadConfig = z.output<typeof probeHeadConfigSchema>;
/** The input form of {@link ProbeHeadConfig}: defaults optional. */
export type ProbeHeadConfigInput = z.input<typeof probeHeadConfigSchema>;

/**
 * Validates a head config and fills defaults.
 * @throws ConfigError naming the first bad key.
 */
export function parseProbeHeadConfig(input: ProbeHeadConfigInput): ProbeHeadConfig {
  const c = parseConfig(probeHeadConfigSchema, input, 'probe head config');
  if (c.kind !== 'linear' && c.inputWidth % c.heads !== 0)
    throw new ConfigError(`probe head config: heads (${c.heads}) must divide inputWidth (${c.inputWidth})`, {
      key: 'heads',
    });
  if (c.kind === 'linear' && c.pool === 'time' && c.tokens % c.timeSteps !== 0)
    throw new ConfigError(
      `probe head config: timeSteps (${c.timeSteps}) must divide tokens (${c.tokens}) for pool 'time'`,
      { key: 'timeSteps' },
    );
  return c;
}
