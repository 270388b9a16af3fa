import { CheckpointError, readSafetensors, type Tensor, toFloat32, writeSafetensors } from '@vfmkit/core';
import { parseVitConfig, type VitConfig, type VitConfigInput } from './config';
import { checkWeights, type NamedWeights } from './named-weights';
import { vitWeightSpecs } from './weights';

/** Writes encoder weights as safetensors (atomically) with the config as JSON in metadata key `vit_config`. */
export async function saveVitCheckpoint(
  path: string,
  config: VitConfig,
  weights: NamedWeights,
): Promise<void> {
  checkWeights(weights, vitWeightSpecs(config), path);
  const tensors: Record<string, Tensor> = {};
  for (const [name, w] of weights) tensors[name] = { dtype: 'F32', shape: w.shape, data: w.data };
  await writeSafetensors(path, tensors, { vit_config: JSON.stringify(config) });
}

/**
 * Reads a checkpoint written by {@link saveVitCheckpoint}; F16/BF16/F64 tensors are converted to float32.
 * @throws CheckpointError when the config is missing or invalid, or a weight is missing or mis-shaped.
 */
export async function loadVitCheckpoint(path: string): Promise<{ config: VitConfig; weights: NamedWeights }> {
  const file = await readSafetensors(path);
  const raw = file.metadata.vit_config;
  if (raw === undefined) throw new CheckpointError(`${path} has no 'vit_config' metadata`, { path });
  let config: VitConfig;
  try {
    config = parseVitConfig(JSON.parse(raw) as VitConfigInput);
  } catch (cause) {
    throw new CheckpointError(`${path}: invalid vit_config metadata`, { path }, { cause });
  }
  const weights: NamedWeights = new Map();
  for (const [name, t] of file.tensors)
    weights.set(name, { shape: t.shape, data: toFloat32(t.dtype, t.data) });
  checkWeights(weights, vitWeightSpecs(config), path);
  return { config, weights };
}
