import { ConfigError } from '@vfmkit/core';
import { parseVitConfig, type VitConfig, type VitConfigInput } from './config';
import type { MaeDecoderConfigInput } from './mae-config';

/** Width, depth, heads and MLP size of a named ViT. */
export interface VitSize {
  readonly width: number;
  readonly depth: number;
  readonly heads: number;
  readonly mlpDim: number;
}

/**
 * The ViT family. `nano` and `tiny` are for tests and demos (tiny = ViT-Ti); S to H follow ViT/VideoMAE,
 * g and e the scaled-up ViTs of 4DS, `22B` ViT-22B (4DS's largest, ~21.7B parameters here counted from the config).
 */
export const VIT_VARIANTS = {
  nano: { width: 64, depth: 2, heads: 2, mlpDim: 256 },
  tiny: { width: 192, depth: 12, heads: 3, mlpDim: 768 },
  S: { width: 384, depth: 12, heads: 6, mlpDim: 1536 },
  B: { width: 768, depth: 12, heads: 12, mlpDim: 3072 },
  L: { width: 1024, depth: 24, heads: 16, mlpDim: 4096 },
  H: { width: 1280, depth: 32, heads: 16, mlpDim: 5120 },
  g: { width: 1408, depth: 40, heads: 16, mlpDim: 6144 },
  e: { width: 1792, depth: 56, heads: 16, mlpDim: 15360 },
  '22B': { width: 6144, depth: 48, heads: 48, mlpDim: 24576 },
} as const satisfies Record<string, VitSize>;

export type VitVariant = keyof typeof VIT_VARIANTS;

/** VideoMAE's decoders (depth 4) per encoder size; smaller sizes reuse S's, larger ones H's width. */
const MAE_DECODERS: Record<VitVariant, { width: number; heads: number }> = {
  nano: { width: 32, heads: 2 },
  tiny: { width: 96, heads: 3 },
  S: { width: 192, heads: 3 },
  B: { width: 384, heads: 6 },
  L: { width: 512, heads: 8 },
  H: { width: 640, heads: 8 },
  g: { width: 640, heads: 8 },
  e: { width: 640, heads: 8 },
  '22B': { width: 1024, heads: 16 },
};

/**
 * Decodes a variant name such as `'B/16'` (size `B`, patch 16) or `'nano/8'` into a full config;
 * `overrides` replace any other field (frames, image size, positional embedding, ...). Without a patch
 * (`'S'`) the patch is 16; the tubelet's time extent is 2 unless overridden.
 * @throws ConfigError for an unknown size or a malformed name.
 * @example decodeVariant('B/16').width // 768
 */
export function decodeVariant(name: string, overrides: Partial<VitConfigInput> = {}): VitConfig {
  const match = /^([A-Za-z0-9]+)(?:\/(\d+))?$/.exec(name.trim());
  const size = match?.[1];
  if (!match || size === undefined || !(size in VIT_VARIANTS)) {
    throw new ConfigError(
      `unknown ViT variant '${name}'; expected <size>[/<patch>] with size in ${Object.keys(VIT_VARIANTS).join(', ')}`,
      { key: 'variant', value: name },
    );
  }
  const patch = match[2] === undefined ? 16 : Number(match[2]);
  const base = VIT_VARIANTS[size as VitVariant];
  return parseVitConfig({ ...base, tubelet: [2, patch, patch], ...overrides });
}

/** VideoMAE's decoder for a variant (depth 4, pixel targets); pass overrides for LVMAE token targets. */
export function maeDecoderFor(
  variant: VitVariant,
  overrides: Partial<MaeDecoderConfigInput> = {},
): MaeDecoderConfigInput {
  const d = MAE_DECODERS[variant];
  return { width: d.width, depth: 4, heads: d.heads, ...overrides };
}
