import { CheckpointError, type Rng, type SeedOrRng, toRng } from '@vfmkit/core';
import type { VitConfig } from './config';
import type { MaeDecoderConfig } from './mae-config';
import { maeDecoderWeightSpecs, vitWeightSpecs, type WeightSpec } from './weights';

/** One float32 weight: shape and row-major data. */
export interface WeightTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** Weights by our names (see {@link vitWeightSpecs}); the exchange format between tfjs, ONNX export and import. */
export type NamedWeights = Map<string, WeightTensor>;

function truncNormal(rng: Rng, std: number): number {
  for (;;) {
    const v = rng.normal(0, std);
    if (Math.abs(v) <= 2 * std) return v;
  }
}

function initSpec(spec: WeightSpec, rng: Rng, std: number): WeightTensor {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  const leaf = spec.name.slice(spec.name.lastIndexOf('.') + 1);
  const isNorm = /(^|\.)(norm\d?|fc_norm)\.weight$/.test(spec.name);
  if (isNorm) data.fill(1);
  else if (leaf !== 'bias') for (let i = 0; i < n; i++) data[i] = truncNormal(rng, std);
  return { shape: spec.shape, data };
}

/**
 * Random weights for an encoder (ViT/MAE init: linear weights and tables from a normal with std 0.02
 * truncated at 2 std, biases 0, layer-norm scales 1). Same seed, same weights.
 * `std` > 0.02 gives livelier activations for parity tests.
 */
export function initVitWeights(
  config: VitConfig,
  seed: SeedOrRng,
  options: { std?: number } = {},
): NamedWeights {
  const rng = toRng(seed);
  const out: NamedWeights = new Map();
  for (const spec of vitWeightSpecs(config)) out.set(spec.name, initSpec(spec, rng, options.std ?? 0.02));
  return out;
}

/** Random weights for an MAE decoder, initialised like {@link initVitWeights}. */
export function initMaeDecoderWeights(
  encoder: VitConfig,
  decoder: MaeDecoderConfig,
  seed: SeedOrRng,
  options: { std?: number } = {},
): NamedWeights {
  const rng = toRng(seed);
  const out: NamedWeights = new Map();
  for (const spec of maeDecoderWeightSpecs(encoder, decoder)) {
    out.set(spec.name, initSpec(spec, rng, options.std ?? 0.02));
  }
  return out;
}

/**
 * Checks that `weights` hold exactly the tensors of `specs` with their shapes.
 * @throws CheckpointError naming the first missing, mis-shaped or unexpected weight.
 */
export function checkWeights(weights: NamedWeights, specs: readonly WeightSpec[], path?: string): void {
  const expected = new Set<string>();
  for (const spec of specs) {
    expected.add(spec.name);
    const w = weights.get(spec.name);
    if (!w) throw new CheckpointError(`missing weight '${spec.name}'`, { path, key: spec.name });
    const size = spec.shape.reduce((a, b) => a * b, 1);
    if (
      w.shape.length !== spec.shape.length ||
      w.shape.some((d, i) => d !== spec.shape[i]) ||
      w.data.length !== size
    ) {
      throw new CheckpointError(
        `weight '${spec.name}' has shape [${w.shape.join(', ')}], expected [${spec.shape.join(', ')}]`,
        { path, key: spec.name, expected: spec.shape, actual: w.shape },
      );
    }
  }
  for (const name of weights.keys()) {
    if (!expected.has(name)) throw new CheckpointError(`unexpected weight '${name}'`, { path, key: name });
  }
}
