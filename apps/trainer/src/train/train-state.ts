import { existsSync } from 'node:fs';
import { CheckpointError, readSafetensors, type Tensor, writeSafetensors } from '@vfmkit/core';
import type { TrainConfig } from '../config/schema';
import type { OptimizerState } from './engine';

/** Format tag stored in the checkpoint's metadata. */
export const TRAIN_STATE_FORMAT = 'vfmkit-train-state/1';

/** Everything needed to continue a run exactly. */
export interface TrainState {
  /** Optimizer steps completed. */
  readonly step: number;
  /** Clips consumed (the {@link DataOrder} position). */
  readonly dataPosition: number;
  readonly config: TrainConfig;
  /** Model weights by name (`blocks.0.attn.qkv.weight`, `decoder.*`). */
  readonly params: ReadonlyMap<string, Tensor>;
  readonly optimizer: OptimizerState;
}

/**
 * Writes a training checkpoint as one safetensors file, atomically (temp + fsync + rename): weights
 * under `model.*`, AdamW moments under `optim.*`, and the step, data position and resolved config in
 * the metadata. Randomness is derived from `(config.seed, step)`, so the step is the RNG state.
 */
export async function saveTrainState(path: string, state: TrainState): Promise<void> {
  const tensors = new Map<string, Tensor>();
  for (const [name, t] of state.params) tensors.set(`model.${name}`, t);
  for (const [name, t] of state.optimizer.tensors)
    tensors.set(`optim.${name}`, { dtype: 'F32', shape: t.shape, data: t.data });
  await writeSafetensors(path, tensors, {
    format: TRAIN_STATE_FORMAT,
    step: String(state.step),
    data_position: String(state.dataPosition),
    optimizer_t: String(state.optimizer.t),
    config: JSON.stringify(state.config),
  });
}

/** The config keys that must match for a checkpoint to continue a run (shapes and data order). */
const IDENTITY_KEYS = [
  'recipe',
  'seed',
  'frames',
  'size',
  'model',
  'decoder',
  'data',
  'masking',
  'views',
  'ssl',
  'tokenizer',
  'lvmae',
  'batchSize',
] as const;

/**
 * Reads a training checkpoint and checks it belongs to `config` (same recipe, model, data and seed).
 * @throws CheckpointError for a missing, corrupt or foreign file, naming what differs.
 */
export async function loadTrainState(path: string, config: TrainConfig): Promise<TrainState> {
  if (!existsSync(path)) throw new CheckpointError(`no checkpoint to resume at ${path}`, { path });
  const file = await readSafetensors(path);
  const meta = file.metadata;
  if (meta.format !== TRAIN_STATE_FORMAT) {
    throw new CheckpointError(
      `${path} is not a vfmkit training checkpoint (format ${JSON.stringify(meta.format)})`,
      { path },
    );
  }
  let saved: TrainConfig;
  try {
    saved = JSON.parse(meta.config) as TrainConfig;
  } catch (cause) {
    throw new CheckpointError(`${path}: the stored config is not valid JSON`, { path }, { cause });
  }
  // How many threads render the data changes no clip: it may differ between the runs.
  const identity = (c: TrainConfig, k: (typeof IDENTITY_KEYS)[number]) =>
    JSON.stringify(k === 'data' ? { ...c.data, renderWorkers: undefined } : c[k]);
  const differs = IDENTITY_KEYS.filter((k) => identity(saved, k) !== identity(config, k));
  if (differs.length) {
    const detail = differs
      .map((k) => `${k}: checkpoint ${JSON.stringify(saved[k])} vs run ${JSON.stringify(config[k])}`)
      .join('; ');
    throw new CheckpointError(`${path} was written by a different run (${detail})`, { path, keys: differs });
  }
  const params = new Map<string, Tensor>();
  const optim = new Map<string, { shape: readonly number[]; data: Float32Array }>();
  for (const [name, t] of file.tensors) {
    if (name.startsWith('model.')) params.set(name.slice(6), t);
    else if (name.startsWith('optim.')) {
      if (t.dtype !== 'F32')
        throw new CheckpointError(`${path}: optimizer entry ${name} is ${t.dtype}, expected F32`, {
          path,
          tensor: name,
        });
      optim.set(name.slice(6), { shape: t.shape, data: t.data as Float32Array });
    } else throw new CheckpointError(`${path}: unexpected tensor "${name}"`, { path, tensor: name });
  }
  const int = (key: string) => {
    const v = Number(meta[key]);
    if (!Number.isInteger(v) || v < 0)
      throw new CheckpointError(`${path}: metadata ${key} = ${JSON.stringify(meta[key])} is not a count`, {
        path,
        key,
      });
    return v;
  };
  return {
    step: int('step'),
    dataPosition: int('data_position'),
    config: saved,
    params,
    optimizer: { t: int('optimizer_t'), tensors: optim },
  };
}
