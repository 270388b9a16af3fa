import { ConfigError, parseConfig } from '@vfmkit/core';
import { z } from 'zod';

const positiveInt = z.number().int().positive();
const unit = z.number().min(0).max(1);

/**
 * An MLP head (projector or predictor): `layers` linear layers; every layer but the last is followed
 * by layer norm and GELU. `hidden` is the width of the inner layers, `out` the output width.
 */
export const headConfigSchema = z
  .object({ hidden: positiveInt, out: positiveInt, layers: positiveInt })
  .strict();
export type HeadConfig = z.output<typeof headConfigSchema>;

/**
 * The EMA momentum of a momentum target, on a cosine schedule from `base` (step 0) to `final` (at the
 * last step): `m(k) = final - (final - base) * (cos(pi * k / K) + 1) / 2` (BYOL's schedule).
 */
export const momentumScheduleSchema = z
  .object({ base: unit, final: unit.default(1) })
  .strict()
  .refine((m) => m.base <= m.final, { message: 'momentum base must be <= final' });
export type MomentumSchedule = z.output<typeof momentumScheduleSchema>;

/** Which network produces the targets: the online one with gradients, an EMA copy, or the online one held constant. */
export const TARGET_KINDS = ['online', 'momentum', 'stop-gradient'] as const;
export type TargetKind = (typeof TARGET_KINDS)[number];

const base = {
  projector: headConfigSchema,
  /** Applied on top of the projector on the online branch only. */
  predictor: headConfigSchema.optional(),
  target: z.enum(TARGET_KINDS),
  /** Required when `target` is `momentum`. */
  momentum: momentumScheduleSchema.optional(),
};

const temperature = z.number().positive();

/** A joint-embedding method as configuration over the template's parts. */
export const sslMethodSchema = z
  .discriminatedUnion('loss', [
    z.object({ ...base, loss: z.literal('nt-xent'), temperature }).strict(),
    z.object({ ...base, loss: z.literal('moco-v3'), temperature }).strict(),
    z.object({ ...base, loss: z.literal('byol') }).strict(),
    z
      .object({
        ...base,
        loss: z.literal('dino'),
        studentTemp: temperature,
        teacherTemp: temperature,
        /** `center <- m * center + (1 - m) * mean(teacher outputs)`. */
        centerMomentum: unit,
      })
      .strict(),
    z
      .object({
        ...base,
        loss: z.literal('vicreg'),
        weights: z
          .object({
            invariance: z.number().min(0),
            variance: z.number().min(0),
            covariance: z.number().min(0),
          })
          .strict(),
      })
      .strict(),
  ])
  .superRefine((m, ctx) => {
    if (m.target === 'momentum' && !m.momentum)
      ctx.addIssue({
        code: 'custom',
        path: ['momentum'],
        message: 'a momentum target needs a momentum schedule',
      });
    if ((m.loss === 'moco-v3' || m.loss === 'byol' || m.loss === 'dino') && m.target === 'online')
      ctx.addIssue({
        code: 'custom',
        path: ['target'],
        message: `the ${m.loss} loss treats its targets as constants: use target 'momentum' or 'stop-gradient'`,
      });
  });

export type SslMethodConfig = z.output<typeof sslMethodSchema>;
export type SslMethodConfigInput = z.input<typeof sslMethodSchema>;
export type SslLossName = SslMethodConfig['loss'];

/** The five joint-embedding methods with their papers' defaults (image-scale widths; shrink them for small models). */
export const SSL_METHODS = {
  /**
   * SimCLR (Chen et al. 2020, "A Simple Framework for Contrastive Learning of Visual Representations"):
   * 2-layer projection head with the encoder's width as hidden size (2048 for ResNet-50) and a 128-d
   * output; NT-Xent with tau = 0.1 (the temperature study, and the official code's default); no target
   * network (both views are online).
   */
  simclr: {
    projector: { hidden: 2048, out: 128, layers: 2 },
    target: 'online',
    loss: 'nt-xent',
    temperature: 0.1,
  },
  /**
   * MoCo v3 (Chen, Xie and He 2021, "An Empirical Study of Training Self-Supervised Vision
   * Transformers"): 3-layer projector and 2-layer predictor, 4096 hidden, 256-d output; tau = 0.2 for
   * ViT; momentum encoder with m = 0.99 for ViT, raised to 1 on a cosine schedule (implementation
   * details of the paper and the official code).
   */
  mocov3: {
    projector: { hidden: 4096, out: 256, layers: 3 },
    predictor: { hidden: 4096, out: 256, layers: 2 },
    target: 'momentum',
    momentum: { base: 0.99, final: 1 },
    loss: 'moco-v3',
    temperature: 0.2,
  },
  /**
   * BYOL (Grill et al. 2020, "Bootstrap Your Own Latent"): projector and predictor are 2-layer MLPs,
   * 4096 hidden, 256-d output; target = EMA with tau_base = 0.996 increased to 1 by
   * `1 - (1 - tau_base)(cos(pi k / K) + 1) / 2` (Sec. 3.3).
   */
  byol: {
    projector: { hidden: 4096, out: 256, layers: 2 },
    predictor: { hidden: 4096, out: 256, layers: 2 },
    target: 'momentum',
    momentum: { base: 0.996, final: 1 },
    loss: 'byol',
  },
  /**
   * DINO (Caron et al. 2021, "Emerging Properties in Self-Supervised Vision Transformers"): 3-layer
   * head, 2048 hidden, K = 65536 outputs (the paper's 256-d L2-normalised bottleneck with a
   * weight-normalised last layer is a plain linear layer here); student tau_s = 0.1, teacher
   * tau_t = 0.04 (the paper warms it to 0.07 over 30 epochs); center momentum m = 0.9; teacher EMA
   * from 0.996 to 1 on a cosine schedule.
   */
  dino: {
    projector: { hidden: 2048, out: 65536, layers: 3 },
    target: 'momentum',
    momentum: { base: 0.996, final: 1 },
    loss: 'dino',
    studentTemp: 0.1,
    teacherTemp: 0.04,
    centerMomentum: 0.9,
  },
  /**
   * VICReg (Bardes, Ponce and LeCun 2022): 3-layer expander of width 8192; weights lambda = 25
   * (invariance), mu = 25 (variance), nu = 1 (covariance); both branches online, no
   * stop-gradient, no momentum.
   */
  vicreg: {
    projector: { hidden: 8192, out: 8192, layers: 3 },
    target: 'online',
    loss: 'vicreg',
    weights: { invariance: 25, variance: 25, covariance: 1 },
  },
} as const satisfies Record<string, SslMethodConfigInput>;

export type SslMethodName = keyof typeof SSL_METHODS;
export const SSL_METHOD_NAMES = Object.keys(SSL_METHODS) as SslMethodName[];

/**
 * Validates a method config.
 * @throws ConfigError naming the first bad key (e.g. a momentum target without a schedule).
 */
export function parseSslMethod(input: unknown): SslMethodConfig {
  return parseConfig(sslMethodSchema, input, 'SSL method', { root: 'loss' });
}

/**
 * A named method with some parts overridden (e.g. smaller heads for a small model).
 * @throws ConfigError for an unknown name or an invalid result.
 * @example sslMethod('byol', { projector: { hidden: 64, out: 32, layers: 2 } })
 */
export function sslMethod(name: string, overrides: Record<string, unknown> = {}): SslMethodConfig {
  if (!Object.hasOwn(SSL_METHODS, name))
    throw new ConfigError(`unknown SSL method "${name}" (have: ${SSL_METHOD_NAMES.join(', ')})`, {
      key: 'method',
      value: name,
    });
  return parseSslMethod({ ...SSL_METHODS[name as SslMethodName], ...overrides });
}

/**
 * The EMA momentum at `step` of `totalSteps` (cosine from `base` to `final`; `base` when `totalSteps`
 * is unknown; `final` past the end).
 */
export function momentumAt(schedule: MomentumSchedule, step: number, totalSteps?: number): number {
  if (totalSteps === undefined || totalSteps <= 0) return schedule.base;
  const k = Math.min(Math.max(step, 0), totalSteps);
  return schedule.final - ((schedule.final - schedule.base) * (Math.cos((Math.PI * k) / totalSteps) + 1)) / 2;
}

/**
 * Reads the collapse signal: the std over the batch of L2-normalised embeddings, averaged over dims, is
 * about `1 / sqrt(D)` for embeddings spread over the sphere and 0 when every clip maps to one point.
 * `collapsed` when it falls below `threshold / sqrt(D)` (default threshold 0.1).
 */
export function collapseReport(
  std: number,
  dim: number,
  threshold = 0.1,
): { std: number; healthy: number; ratio: number; collapsed: boolean } {
  if (!Number.isInteger(dim) || dim <= 0)
    throw new ConfigError(`collapseReport: dim must be a positive integer, got ${dim}`, {
      key: 'dim',
      value: dim,
    });
  const healthy = 1 / Math.sqrt(dim);
  return { std, healthy, ratio: std / healthy, collapsed: !(std >= threshold * healthy) };
}
