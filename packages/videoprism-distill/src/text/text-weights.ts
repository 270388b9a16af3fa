import { CheckpointError } from '@vfmkit/core';
import { type TextEncoderConfig, textMlpDim } from './text-config';

/** Weights by name: shape and row-major float32 data (the shape of vit-encoder's `NamedWeights`). */
export type TextWeights = ReadonlyMap<
  string,
  { readonly shape: readonly number[]; readonly data: Float32Array }
>;

/** One weight of the text encoder: name and shape (PyTorch layouts: a linear weight is `[OUT, IN]`). */
export interface TextWeightSpec {
  readonly name: string;
  readonly shape: readonly number[];
}

/**
 * Every weight of the text encoder, in checkpoint order:
 * `token_embed.weight` `[V, D]`, `pos_embed` `[L, D]`, then per block `blocks.{i}.norm1`,
 * `blocks.{i}.attn.qkv` (`[3D, D]`), `blocks.{i}.attn.proj`, `blocks.{i}.norm2`, `blocks.{i}.mlp.fc1`,
 * `blocks.{i}.mlp.fc2` (timm's ViT names, each with `.weight` and `.bias`), the final `norm`, and
 * `proj` (`[E, D]`) into the shared embedding space.
 */
export function textWeightSpecs(config: TextEncoderConfig): TextWeightSpec[] {
  const d = config.width;
  const h = textMlpDim(config);
  const out: TextWeightSpec[] = [
    { name: 'token_embed.weight', shape: [config.vocabSize, d] },
    { name: 'pos_embed', shape: [config.maxLength, d] },
  ];
  for (let i = 0; i < config.depth; i++) {
    const p = `blocks.${i}`;
    out.push(
      { name: `${p}.norm1.weight`, shape: [d] },
      { name: `${p}.norm1.bias`, shape: [d] },
      { name: `${p}.attn.qkv.weight`, shape: [3 * d, d] },
      { name: `${p}.attn.qkv.bias`, shape: [3 * d] },
      { name: `${p}.attn.proj.weight`, shape: [d, d] },
      { name: `${p}.attn.proj.bias`, shape: [d] },
      { name: `${p}.norm2.weight`, shape: [d] },
      { name: `${p}.norm2.bias`, shape: [d] },
      { name: `${p}.mlp.fc1.weight`, shape: [h, d] },
      { name: `${p}.mlp.fc1.bias`, shape: [h] },
      { name: `${p}.mlp.fc2.weight`, shape: [d, h] },
      { name: `${p}.mlp.fc2.bias`, shape: [d] },
    );
  }
  out.push(
    { name: 'norm.weight', shape: [d] },
    { name: 'norm.bias', shape: [d] },
    { name: 'proj.weight', shape: [config.embedDim, d] },
    { name: 'proj.bias', shape: [config.embedDim] },
  );
  return out;
}

/** Layer-norm epsilon of the text encoder (every norm). */
export const TEXT_LAYER_NORM_EPS = 1e-6;

/** The additive attention bias of a padded key: exp(-1e9 - max) is exactly 0 in float32. */
export const TEXT_MASK_BIAS = -1e9;

/**
 * Checks that `weights` hold exactly the text encoder's tensors with their shapes.
 * @throws CheckpointError naming the first missing, mis-shaped or unexpected weight.
 */
export function checkTextWeights(weights: TextWeights, config: TextEncoderConfig): void {
  const specs = textWeightSpecs(config);
  for (const spec of specs) {
    const w = weights.get(spec.name);
    if (!w) throw new CheckpointError(`missing text weight '${spec.name}'`, { key: spec.name });
    const size = spec.shape.reduce((a, b) => a * b, 1);
    if (
      w.shape.length !== spec.shape.length ||
      w.shape.some((s, i) => s !== spec.shape[i]) ||
      w.data.length !== size
    ) {
      throw new CheckpointError(
        `text weight '${spec.name}' has shape [${w.shape.join(', ')}], expected [${spec.shape.join(', ')}]`,
        { key: spec.name, expected: spec.shape, actual: w.shape },
      );
    }
  }
  const expected = new Set(specs.map((s) => s.name));
  for (const name of weights.keys()) {
    if (!expected.has(name)) throw new CheckpointError(`unexpected text weight '${name}'`, { key: name });
  }
}
