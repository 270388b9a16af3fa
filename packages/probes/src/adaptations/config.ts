import { ConfigError, parseConfig } from '@vfmkit/core';
import { ADAPTATION_METHOD_IDS, ADAPTER_KINDS, type AdapterKind } from '@vfmkit/videoglue-score';
import { z } from 'zod';
import type { ReadoutKind } from '../tasks/task';

/** The linear layers of a ViT block that LoRA can adapt (timm names: `attn.qkv`, `attn.proj`, `mlp.fc1`, `mlp.fc2`). */
export const ADAPTER_TARGETS = ['qkv', 'proj', 'fc1', 'fc2'] as const;
/** One of {@link ADAPTER_TARGETS}. */
export type AdapterTarget = (typeof ADAPTER_TARGETS)[number];

/**
 * The zod schema of {@link AdaptationConfigInput}. `method` is one of videoglue-score's
 * `ADAPTATION_METHOD_IDS` (the one vocabulary of methods):
 * - `linear`, `frozen` (attentive pooler), `mlap`: frozen backbone, no option;
 * - `adapter` with `kind`:
 *   - `lora` (default): low-rank updates (Hu et al. 2021) of rank `rank` (default 8) with scale
 *     `alpha / rank` (default `alpha = rank`) on the `placement` projections of every block (default `['qkv']`);
 *   - `bottleneck`: a bottleneck adapter (Houlsby et al. 2019; VideoGLUE Sec. 3.2) of width `rank`
 *     (default 64, as VideoGLUE) after the MLP of every block (its only placement);
 * - `e2e`: no new weights, every encoder weight trains (end-to-end finetuning).
 */
export const adaptationConfigSchema = z
  .object({
    method: z.enum(ADAPTATION_METHOD_IDS),
    kind: z.enum(ADAPTER_KINDS).optional(),
    rank: z.number().int().positive().optional(),
    alpha: z.number().positive().optional(),
    placement: z.array(z.enum(ADAPTER_TARGETS)).min(1).readonly().optional(),
  })
  .strict();

/** What {@link parseAdaptationConfig} accepts, e.g. `{ method: 'adapter', kind: 'lora', rank: 8 }`. */
export type AdaptationConfigInput = z.input<typeof adaptationConfigSchema>;

/** A method that reads frozen features: no weight inside the backbone trains. */
export interface FrozenAdaptation {
  readonly method: 'linear' | 'frozen' | 'mlap';
}

/** The `adapter` method, resolved: kind, rank and placement filled in. */
export interface AdapterAdaptation {
  readonly method: 'adapter';
  readonly kind: AdapterKind;
  /** LoRA rank or bottleneck width. */
  readonly rank: number;
  /** LoRA scale numerator (`scale = alpha / rank`); 0 for `bottleneck`. */
  readonly alpha: number;
  /** LoRA: the adapted layers in {@link ADAPTER_TARGETS} order; bottleneck: empty (after each MLP). */
  readonly placement: readonly AdapterTarget[];
}

/** The `e2e` method: end-to-end finetuning. */
export interface FinetuneAdaptation {
  readonly method: 'e2e';
}

/** A method that trains inside the backbone (what `adaptBackbone` and `fitAdaptedTask` take). */
export type BackboneAdaptationConfig = AdapterAdaptation | FinetuneAdaptation;

/** A resolved adaptation, one per method of the vocabulary. */
export type AdaptationConfig = FrozenAdaptation | BackboneAdaptationConfig;

function unusedOption(c: AdaptationConfigInput, key: 'kind' | 'rank' | 'alpha' | 'placement', what: string) {
  if (c[key] !== undefined)
    throw new ConfigError(`adaptation config: ${key} does not apply to ${what}`, {
      key,
      method: c.method,
    });
}

/** A resolved bottleneck carries `alpha: 0, placement: []`; read back, those mean "not given". */
function resolvedBottleneckAsInput(input: AdaptationConfigInput | AdaptationConfig): unknown {
  if (typeof input !== 'object' || input === null || !('kind' in input) || input.kind !== 'bottleneck')
    return input;
  const { alpha, placement, ...rest } = input as AdaptationConfigInput;
  return {
    ...rest,
    ...(alpha === 0 ? {} : { alpha }),
    ...(Array.isArray(placement) && placement.length === 0 ? {} : { placement }),
  };
}

/**
 * Validates an adaptation and fills defaults (a resolved config is accepted and returned equal).
 * @throws ConfigError naming the bad key: an unknown method, kind or placement, a duplicate placement,
 *   a non-positive rank, or an option the method does not use (any option outside `adapter`; `alpha` or
 *   `placement` with a bottleneck).
 */
export function parseAdaptationConfig(input: AdaptationConfigInput | AdaptationConfig): AdaptationConfig {
  const c = parseConfig(adaptationConfigSchema, resolvedBottleneckAsInput(input), 'adaptation config');
  if (c.method !== 'adapter') {
    for (const key of ['kind', 'rank', 'alpha', 'placement'] as const)
      unusedOption(c, key, `method '${c.method}'`);
    return { method: c.method };
  }
  if (c.kind === 'bottleneck') {
    unusedOption(c, 'alpha', 'a bottleneck adapter');
    unusedOption(c, 'placement', 'a bottleneck adapter (it sits after each MLP)');
    return { method: 'adapter', kind: 'bottleneck', rank: c.rank ?? 64, alpha: 0, placement: [] };
  }
  const placement = c.placement ?? ['qkv'];
  const dup = placement.find((t, i) => placement.indexOf(t) !== i);
  if (dup !== undefined)
    throw new ConfigError(`adaptation config: placement '${dup}' is listed twice`, {
      key: 'placement',
      value: dup,
    });
  const rank = c.rank ?? 8;
  return {
    method: 'adapter',
    kind: 'lora',
    rank,
    alpha: c.alpha ?? rank,
    placement: ADAPTER_TARGETS.filter((t) => placement.includes(t)),
  };
}

/**
 * Validates a method that trains inside the backbone (`adapter` or `e2e`).
 * @throws ConfigError for a bad adaptation or a frozen-feature method (`linear`, `frozen`, `mlap`).
 */
export function parseBackboneAdaptation(
  input: AdaptationConfigInput | AdaptationConfig,
): BackboneAdaptationConfig {
  const c = parseAdaptationConfig(input);
  if (c.method !== 'adapter' && c.method !== 'e2e')
    throw new ConfigError(
      `adaptation config: method '${c.method}' reads frozen features; the backbone trains only with 'adapter' or 'e2e'`,
      { key: 'method', value: c.method },
    );
  return c;
}

/** The readout head each method trains: `linear`, `attentive` (frozen, adapter, e2e) or `mlap`. */
export function readoutOf(method: AdaptationConfig['method']): ReadoutKind {
  if (method === 'linear' || method === 'mlap') return method;
  return 'attentive';
}

/**
 * A report label written from the configuration that ran, e.g. `adapter (LoRA r=8 on qkv)`,
 * `adapter (LoRA r=4, alpha=16 on qkv, proj)`, `adapter (bottleneck r=64 after each MLP)`,
 * `frozen attentive pooler`, `end-to-end finetune`.
 * @throws ConfigError for an invalid adaptation.
 */
export function describeAdaptation(input: AdaptationConfigInput | AdaptationConfig): string {
  const c = parseAdaptationConfig(input);
  switch (c.method) {
    case 'linear':
      return 'frozen linear (layer norm + linear)';
    case 'frozen':
      return 'frozen attentive pooler';
    case 'mlap':
      return 'frozen multi-layer attention pooler';
    case 'e2e':
      return 'end-to-end finetune';
    case 'adapter': {
      if (c.kind === 'bottleneck') return `adapter (bottleneck r=${c.rank} after each MLP)`;
      const alpha = c.alpha === c.rank ? '' : `, alpha=${c.alpha}`;
      return `adapter (LoRA r=${c.rank}${alpha} on ${c.placement.join(', ')})`;
    }
  }
}
