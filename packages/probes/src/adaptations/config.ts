import { ConfigError } from '@vfmkit/core';
import { z } from 'zod';

/** The linear layers of a ViT block that LoRA can adapt (timm names: `attn.qkv`, `attn.proj`, `mlp.fc1`, `mlp.fc2`). */
export const ADAPTER_TARGETS = ['qkv', 'proj', 'fc1', 'fc2'] as const;
/** One of {@link ADAPTER_TARGETS}. */
export type AdapterTarget = (typeof ADAPTER_TARGETS)[number];

/** How {@link adaptBackbone} adapts an encoder. */
export type AdaptationMethod = 'lora' | 'bottleneck' | 'finetune';

/**
 * The zod schema of {@link AdaptationConfigInput}:
 * - `lora`: low-rank updates (Hu et al. 2021) of rank `rank` (default 8) with scale `alpha / rank`
 *   (default `alpha = rank`) on the `targets` projections of every block (default `['qkv']`);
 * - `bottleneck`: a bottleneck adapter (Houlsby et al. 2019; VideoGLUE Sec. 3.2) of width `rank`
 *   (default 64, as VideoGLUE) after the MLP of every block;
 * - `finetune`: no new weights, every encoder weight trains (end-to-end finetuning).
 */
export const adaptationConfigSchema = z
  .object({
    method: z.enum(['lora', 'bottleneck', 'finetune']),
    rank: z.number().int().positive().optional(),
    alpha: z.number().positive().optional(),
    targets: z.array(z.enum(ADAPTER_TARGETS)).min(1).readonly().optional(),
  })
  .strict();

/** What {@link parseAdaptationConfig} accepts. */
export type AdaptationConfigInput = z.input<typeof adaptationConfigSchema>;

/** A resolved adaptation: defaults filled in (`rank`, `alpha`, `targets` are 0 / empty where unused). */
export interface AdaptationConfig {
  readonly method: AdaptationMethod;
  /** LoRA rank or bottleneck width; 0 for `finetune`. */
  readonly rank: number;
  /** LoRA scale numerator (`scale = alpha / rank`); 0 unless `lora`. */
  readonly alpha: number;
  /** LoRA targets in {@link ADAPTER_TARGETS} order; empty unless `lora`. */
  readonly targets: readonly AdapterTarget[];
}

/**
 * Validates an adaptation and fills defaults.
 * @throws ConfigError naming the bad key: an unknown method or target, a duplicate target, a
 *   non-positive rank, or an option the method does not use (`alpha`/`targets` outside `lora`, `rank`
 *   with `finetune`).
 */
export function parseAdaptationConfig(input: AdaptationConfigInput): AdaptationConfig {
  const parsed = adaptationConfigSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = issue.path.join('.') || '(root)';
    throw new ConfigError(`adaptation config: ${key}: ${issue.message}`, {
      key,
      issues: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    });
  }
  const c = parsed.data;
  const unused = (key: 'rank' | 'alpha' | 'targets') => {
    if (c[key] !== undefined)
      throw new ConfigError(`adaptation config: ${key} does not apply to method '${c.method}'`, {
        key,
        method: c.method,
      });
  };
  if (c.method === 'finetune') {
    unused('rank');
    unused('alpha');
    unused('targets');
    return { method: 'finetune', rank: 0, alpha: 0, targets: [] };
  }
  if (c.method === 'bottleneck') {
    unused('alpha');
    unused('targets');
    return { method: 'bottleneck', rank: c.rank ?? 64, alpha: 0, targets: [] };
  }
  const targets = c.targets ?? ['qkv'];
  const dup = targets.find((t, i) => targets.indexOf(t) !== i);
  if (dup !== undefined)
    throw new ConfigError(`adaptation config: target '${dup}' is listed twice`, {
      key: 'targets',
      value: dup,
    });
  const rank = c.rank ?? 8;
  return {
    method: 'lora',
    rank,
    alpha: c.alpha ?? rank,
    targets: ADAPTER_TARGETS.filter((t) => targets.includes(t)),
  };
}
