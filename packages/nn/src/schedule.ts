import { ConfigError, parseConfig } from '@vfmkit/core';
import { z } from 'zod';

export const CosineScheduleSchema = z.object({
  /** Peak learning rate, reached at the end of warmup. */
  baseLr: z.number().nonnegative(),
  /** Steps of linear warmup from `warmupInitLr` to `baseLr`. */
  warmupSteps: z.number().int().nonnegative().default(0),
  /** Step at which the cosine reaches `minLr` (and stays there). */
  totalSteps: z.number().int().positive(),
  minLr: z.number().nonnegative().default(0),
  warmupInitLr: z.number().nonnegative().default(0),
});
export type CosineScheduleConfig = z.input<typeof CosineScheduleSchema>;

/**
 * Linear warmup then cosine decay (as MAE/VideoMAE recipes): for `step < warmupSteps`,
 * `lr = warmupInitLr + (baseLr - warmupInitLr) * step / warmupSteps`; afterwards
 * `lr = minLr + (baseLr - minLr) * (1 + cos(pi * (step - warmupSteps) / (totalSteps - warmupSteps))) / 2`,
 * clamped at `minLr` past `totalSteps`. Steps count from 0.
 * @throws ConfigError on invalid settings (e.g. warmup longer than training).
 * @example const lr = cosineSchedule({ baseLr: 1.5e-4, warmupSteps: 40, totalSteps: 800 }); lr(0) // 0
 */
export function cosineSchedule(config: CosineScheduleConfig): (step: number) => number {
  const { baseLr, warmupSteps, totalSteps, minLr, warmupInitLr } = parseConfig(
    CosineScheduleSchema,
    config,
    'cosine schedule',
  );
  if (warmupSteps > totalSteps)
    throw new ConfigError(`cosine schedule: warmupSteps ${warmupSteps} > totalSteps ${totalSteps}`, {
      key: 'warmupSteps',
    });
  return (step: number) => {
    if (step < warmupSteps) return warmupInitLr + ((baseLr - warmupInitLr) * step) / warmupSteps;
    if (step >= totalSteps) return minLr;
    const span = totalSteps - warmupSteps;
    const progress = span === 0 ? 1 : (step - warmupSteps) / span;
    return minLr + ((baseLr - minLr) * (1 + Math.cos(Math.PI * progress))) / 2;
  };
}
