import { readFileSync } from 'node:fs';
import {
  CheckpointError,
  ConfigError,
  parseSafetensors,
  readSafetensors,
  type SafetensorsFile,
  serializeSafetensors,
  type Tensor,
  toFloat32,
  writeSafetensors,
} from '@vfmkit/core';
import {
  checkWeights,
  type NamedWeights,
  parseVitConfig,
  type VitConfig,
  vitWeightSpecs,
  type WeightSpec,
} from '@vfmkit/vit-encoder';
import { parseVideoTowerConfig, type VideoTowerConfigInput } from '../config';

/** A video tower config with every default resolved. */
export interface VideoTowerConfig {
  readonly encoder: VitConfig;
  /** Heads of the attention pool (divides the width). */
  readonly poolHeads: number;
  readonly poolMlpRatio: number;
}

/**
 * Validates a tower config: the ViT through `parseVitConfig`, pool heads defaulting to the encoder's.
 * @throws ConfigError naming the offending key.
 */
export function resolveVideoTower(input: VideoTowerConfigInput | VideoTowerConfig): VideoTowerConfig {
  const parsed = parseVideoTowerConfig(input as VideoTowerConfigInput);
  const encoder = parseVitConfig(parsed.encoder as never);
  const poolHeads = parsed.poolHeads ?? encoder.heads;
  if (encoder.width % poolHeads !== 0)
    throw new ConfigError(`pool heads ${poolHeads} do not divide the width ${encoder.width}`, {
      key: 'poolHeads',
      value: poolHeads,
    });
  return { encoder, poolHeads, poolMlpRatio: parsed.poolMlpRatio };
}

/** Hidden size of the pool's MLP. */
export function poolHidden(config: VideoTowerConfig): number {
  return Math.round(config.encoder.width * config.poolMlpRatio);
}

/**
 * Names and shapes of a tower's weights: the ViT's (`vitWeightSpecs`) then the pool's under `pool.`
 * (nn's `attentionPool` with one query: `pool.latent` `[1, 1, D]`, `pool.q`, `pool.kv`, `pool.proj`,
 * `pool.norm`, `pool.mlp.fc1`, `pool.mlp.fc2`, linear weights `[OUT, IN]`).
 */
export function videoTowerWeightSpecs(config: VideoTowerConfig): WeightSpec[] {
  const d = config.encoder.width;
  const h = poolHidden(config);
  const pool: [string, number[]][] = [
    ['latent', [1, 1, d]],
    ['q.weight', [d, d]],
    ['q.bias', [d]],
    ['kv.weight', [2 * d, d]],
    ['kv.bias', [2 * d]],
    ['proj.weight', [d, d]],
    ['proj.bias', [d]],
    ['norm.weight', [d]],
    ['norm.bias', [d]],
    ['mlp.fc1.weight', [h, d]],
    ['mlp.fc1.bias', [h]],
    ['mlp.fc2.weight', [d, h]],
    ['mlp.fc2.bias', [d]],
  ];
  return [
    ...vitWeightSpecs(config.encoder),
    ...pool.map(([name, shape]) => ({ name: `pool.${name}`, shape }) as WeightSpec),
  ];
}

/** Splits tower weights into the ViT's and the pool's (`pool.` prefix kept). */
export function splitTowerWeights(weights: NamedWeights): { encoder: NamedWeights; pool: NamedWeights } {
  const encoder: NamedWeights = new Map();
  const pool: NamedWeights = new Map();
  for (const [name, w] of weights) (name.startsWith('pool.') ? pool : encoder).set(name, w);
  return { encoder, pool };
}

const META_KEY = 'video_tower_config';

/**
 * Writes a video tower (config in metadata key `video_tower_config`, weights as float32 safetensors),
 * atomically. This is the stage-1 artifact that stage 2 loads as its teacher.
 * @throws CheckpointError when the weights do not fit the config.
 */
export async function saveVideoTowerCheckpoint(
  path: string,
  config: VideoTowerConfigInput | VideoTowerConfig,
  weights: NamedWeights,
): Promise<void> {
  const file = towerFile(config, weights, path);
  await writeSafetensors(path, file.tensors, file.metadata);
}

/**
 * The bytes {@link saveVideoTowerCheckpoint} writes (for callers that write files themselves, e.g. a
 * trainer's atomic artifacts).
 * @throws CheckpointError when the weights do not fit the config.
 */
export function serializeVideoTowerCheckpoint(
  config: VideoTowerConfigInput | VideoTowerConfig,
  weights: NamedWeights,
): Uint8Array {
  const file = towerFile(config, weights);
  return serializeSafetensors(file.tensors, file.metadata);
}

/** A tower's tensors and config metadata, checked. */
function towerFile(
  config: VideoTowerConfigInput | VideoTowerConfig,
  weights: NamedWeights,
  path?: string,
): { tensors: Record<string, Tensor>; metadata: Record<string, string> } {
  const c = resolveVideoTower(config);
  checkWeights(weights, videoTowerWeightSpecs(c), path);
  const tensors: Record<string, Tensor> = {};
  for (const [name, w] of weights) tensors[name] = { dtype: 'F32', shape: w.shape, data: w.data };
  return { tensors, metadata: { [META_KEY]: JSON.stringify(c) } };
}

function fromFile(file: SafetensorsFile, path: string): { config: VideoTowerConfig; weights: NamedWeights } {
  const raw = file.metadata[META_KEY];
  if (raw === undefined) throw new CheckpointError(`${path} has no '${META_KEY}' metadata`, { path });
  let config: VideoTowerConfig;
  try {
    config = resolveVideoTower(JSON.parse(raw));
  } catch (cause) {
    throw new CheckpointError(`${path}: invalid ${META_KEY} metadata`, { path }, { cause });
  }
  const weights: NamedWeights = new Map();
  for (const [name, t] of file.tensors)
    weights.set(name, { shape: t.shape, data: toFloat32(t.dtype, t.data) });
  checkWeights(weights, videoTowerWeightSpecs(config), path);
  return { config, weights };
}

/**
 * Reads a checkpoint written by {@link saveVideoTowerCheckpoint}.
 * @throws CheckpointError for a missing, foreign or mis-shaped file.
 */
export async function loadVideoTowerCheckpoint(
  path: string,
): Promise<{ config: VideoTowerConfig; weights: NamedWeights }> {
  return fromFile(await readSafetensors(path), path);
}

/** {@link loadVideoTowerCheckpoint}, synchronously (for model builders that must be synchronous). */
export function loadVideoTowerCheckpointSync(path: string): {
  config: VideoTowerConfig;
  weights: NamedWeights;
} {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (cause) {
    throw new CheckpointError(`cannot read video tower checkpoint ${path}`, { path }, { cause });
  }
  return fromFile(parseSafetensors(bytes, path), path);
}
