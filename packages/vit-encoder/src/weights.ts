import { tokenCount } from '@vfmkit/core';
import { patchDim, type VitConfig, vitTokenGrid } from './config';
import type { MaeDecoderConfig } from './mae-config';

/** A weight's name and shape. */
export interface WeightSpec {
  readonly name: string;
  readonly shape: readonly number[];
}

function blockWeights(prefix: string, width: number, mlpDim: number, qkvBias: boolean): WeightSpec[] {
  const out: WeightSpec[] = [
    { name: `${prefix}.norm1.weight`, shape: [width] },
    { name: `${prefix}.norm1.bias`, shape: [width] },
    { name: `${prefix}.attn.qkv.weight`, shape: [3 * width, width] },
  ];
  if (qkvBias) out.push({ name: `${prefix}.attn.qkv.bias`, shape: [3 * width] });
  out.push(
    { name: `${prefix}.attn.proj.weight`, shape: [width, width] },
    { name: `${prefix}.attn.proj.bias`, shape: [width] },
    { name: `${prefix}.norm2.weight`, shape: [width] },
    { name: `${prefix}.norm2.bias`, shape: [width] },
    { name: `${prefix}.mlp.fc1.weight`, shape: [mlpDim, width] },
    { name: `${prefix}.mlp.fc1.bias`, shape: [mlpDim] },
    { name: `${prefix}.mlp.fc2.weight`, shape: [width, mlpDim] },
    { name: `${prefix}.mlp.fc2.bias`, shape: [width] },
  );
  return out;
}

/**
 * Every trainable weight of the encoder, in a fixed order, with timm-style names and PyTorch layouts
 * (those of `@vfmkit/nn`): a linear weight is `[OUT, IN]` (`y = x @ W^T + b`). `patch_embed.weight` is
 * `[D, t * p * p * C]` with its columns ordered (dt, dy, dx, c), matching channels-last tubelets.
 * The `sincos` positional table is fixed and not a weight.
 */
export function vitWeightSpecs(config: VitConfig): WeightSpec[] {
  const { width: d, depth, mlpDim, qkvBias } = config;
  const grid = vitTokenGrid(config);
  const out: WeightSpec[] = [
    { name: 'patch_embed.weight', shape: [d, patchDim(config)] },
    { name: 'patch_embed.bias', shape: [d] },
  ];
  if (config.posEmbed === 'learned') out.push({ name: 'pos_embed', shape: [tokenCount(grid), d] });
  if (config.posEmbed === 'separable') {
    out.push(
      { name: 'pos_embed_time', shape: [grid.t, d] },
      { name: 'pos_embed_space', shape: [grid.h * grid.w, d] },
    );
  }
  for (let i = 0; i < depth; i++) out.push(...blockWeights(`blocks.${i}`, d, mlpDim, qkvBias));
  if (config.finalNorm === 'tokens')
    out.push({ name: 'norm.weight', shape: [d] }, { name: 'norm.bias', shape: [d] });
  if (config.finalNorm === 'pooled') {
    out.push({ name: 'fc_norm.weight', shape: [d] }, { name: 'fc_norm.bias', shape: [d] });
  }
  if (config.numClasses > 0) {
    out.push(
      { name: 'head.weight', shape: [config.numClasses, d] },
      { name: 'head.bias', shape: [config.numClasses] },
    );
  }
  return out;
}

/** Output size of the MAE decoder's head: pixels per tubelet, or the tokenizer's vocabulary. */
export function maeTargetDim(encoder: VitConfig, decoder: MaeDecoderConfig): number {
  if (decoder.target === 'tokens') return decoder.vocabSize as number;
  if (decoder.target === 'bits') return decoder.bits as number;
  return patchDim(encoder);
}

/** Every trainable weight of an MAE decoder (prefixed `decoder.`), `[OUT, IN]` like {@link vitWeightSpecs}. */
export function maeDecoderWeightSpecs(encoder: VitConfig, decoder: MaeDecoderConfig): WeightSpec[] {
  const w = decoder.width;
  const out: WeightSpec[] = [
    { name: 'decoder.embed.weight', shape: [w, encoder.width] },
    { name: 'decoder.embed.bias', shape: [w] },
    { name: 'decoder.mask_token', shape: [w] },
  ];
  if (decoder.posEmbed === 'learned') {
    out.push({ name: 'decoder.pos_embed', shape: [tokenCount(vitTokenGrid(encoder)), w] });
  }
  for (let i = 0; i < decoder.depth; i++)
    out.push(...blockWeights(`decoder.blocks.${i}`, w, decoder.mlpDim, true));
  const targetDim = maeTargetDim(encoder, decoder);
  out.push(
    { name: 'decoder.norm.weight', shape: [w] },
    { name: 'decoder.norm.bias', shape: [w] },
    { name: 'decoder.head.weight', shape: [targetDim, w] },
    { name: 'decoder.head.bias', shape: [targetDim] },
  );
  return out;
}
