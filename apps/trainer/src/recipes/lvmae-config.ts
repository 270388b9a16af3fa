/**
 * The `lvmae` section of a run config, and the grid alignment between LVMAE's tokenizer and its ViT.
 */
import { ConfigError, parseConfig, type TokenGrid, VfmError } from '@vfmkit/core';
import type { TokenizerConfig } from '@vfmkit/tokenizer';
import type { VitConfig } from '@vfmkit/vit-encoder';
import { z } from 'zod';

/**
 * `config.lvmae`:
 * - `tokenizer`: a `vfm-train tokenizer` run folder (its `tokenizer-encoder.onnx` / `-decoder.onnx`);
 *   needed for token-id targets and for the adaptive decoder mask;
 * - `decoder`: which tokens the decoder reconstructs, all at the same `budget` (a fraction of ALL N
 *   tokens, chosen among the encoder's hidden ones): `adaptive` (top-k by the tokenizer's priority,
 *   LVMAE), `random`, `uniform` (evenly strided, random phase) or `running-cell` (VideoMAE V2's 2x2
 *   running-cell pattern at fraction 0.5, of which k tokens are kept at random);
 * - `target`: `tokens` (the tokenizer's ids; cross-entropy over the codebook) or `pixels` (per-patch
 *   normalised pixels of the selected tokens; the ablation).
 */
export const lvmaeSchema = z
  .object({
    tokenizer: z.string().min(1).optional(),
    decoder: z.enum(['adaptive', 'random', 'uniform', 'running-cell']).default('adaptive'),
    budget: z.number().gt(0).max(1).default(0.15),
    target: z.enum(['tokens', 'pixels']).default('tokens'),
  })
  .strict();

export type LvmaeConfig = z.output<typeof lvmaeSchema>;

/**
 * Validates `config.lvmae`.
 * @throws ConfigError naming the key (including `tokenizer` when token targets or the adaptive mask
 *   have no tokenizer run).
 */
export function parseLvmaeConfig(input: unknown): LvmaeConfig {
  const c = parseConfig(lvmaeSchema, input as z.input<typeof lvmaeSchema>, 'lvmae config');
  if (c.tokenizer === undefined && (c.target === 'tokens' || c.decoder === 'adaptive')) {
    throw new ConfigError(
      `lvmae.tokenizer: a tokenizer run folder is required for target '${c.target}' with decoder '${c.decoder}'`,
      { key: 'lvmae.tokenizer' },
    );
  }
  return c;
}

/** The tokenizer's grid does not line up with the ViT's token grid. Code `LVMAE_GRID`. */
export class LvmaeGridError extends VfmError {
  constructor(
    message: string,
    details: { tokenizer: readonly number[]; vit: readonly number[]; what: 'downsample' | 'clip' },
  ) {
    super('LVMAE_GRID', message, details);
  }
}

/**
 * LVMAE's targets are per ViT token, so token i of the tokenizer must cover exactly the pixels of ViT
 * token i. Both grids are t-major (`index = (t * h + y) * w + x`) over the same clip; they coincide iff
 * the tokenizer's `downsample` equals the ViT's `tubelet` and both take the same `[T, H, W]` clip. The
 * tokenizer recipe's default (`downsample [2, 8, 8]`) matches a `nano/8` or `tiny/8` ViT with 2-frame
 * tubelets.
 * @throws LvmaeGridError naming what differs.
 */
export function checkLvmaeGrid(
  tokenizer: { config: TokenizerConfig; clip: readonly [number, number, number]; grid: TokenGrid },
  vit: VitConfig,
): void {
  const ds = tokenizer.config.downsample;
  const tub = vit.tubelet;
  if (ds[0] !== tub[0] || ds[1] !== tub[1] || ds[2] !== tub[2])
    throw new LvmaeGridError(
      `the tokenizer's downsample [${ds}] differs from the ViT tubelet [${tub}]: one tokenizer token must cover one ViT token (set model.tubeletFrames and the variant's patch, or retrain the tokenizer)`,
      { tokenizer: [...ds], vit: [...tub], what: 'downsample' },
    );
  const clip = [vit.frames, vit.imageSize[0], vit.imageSize[1]];
  if (tokenizer.clip.join() !== clip.join())
    throw new LvmaeGridError(
      `the tokenizer's ONNX graphs take clips [${tokenizer.clip}] but the run trains on [${clip}] (frames, size, size)`,
      { tokenizer: [...tokenizer.clip], vit: clip, what: 'clip' },
    );
}
