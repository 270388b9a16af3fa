import {
  CheckpointError,
  parseSafetensors,
  readSafetensors,
  type SafetensorsFile,
  serializeSafetensors,
  type Tensor,
  toFloat32,
  writeSafetensors,
} from '@vfmkit/core';
import { tf } from './backend';
import type { Params } from './params';

/** Copies every parameter out of the backend as a core {@link Tensor} (F32), in map order. */
export async function paramsToTensors(params: Params): Promise<Map<string, Tensor>> {
  const out = new Map<string, Tensor>();
  for (const [name, v] of params) {
    out.set(name, { dtype: 'F32', shape: [...v.shape], data: (await v.data()) as Float32Array });
  }
  return out;
}

/**
 * Saves parameters as safetensors (atomic write), with `metadata` (e.g. `{ config: JSON.stringify(cfg) }`).
 * @example await saveParams('ckpt.safetensors', params, { config: JSON.stringify(config) })
 */
export async function saveParams(
  path: string,
  params: Params,
  metadata: Record<string, string> = {},
): Promise<void> {
  await writeSafetensors(path, await paramsToTensors(params), metadata);
}

/** Serializes parameters to a safetensors buffer in memory. */
export async function serializeParams(
  params: Params,
  metadata: Record<string, string> = {},
): Promise<Uint8Array> {
  return serializeSafetensors(await paramsToTensors(params), metadata);
}

export interface AssignOptions {
  /** Fail on names in the file that the model lacks (default true). Missing or mis-shaped always fail. */
  readonly strict?: boolean;
  /** Names to leave out of the "missing" check (e.g. fresh LoRA weights). */
  readonly allowMissing?: (name: string) => boolean;
}

/** The outcome of matching a checkpoint against a model's parameters. */
export interface AssignReport {
  readonly loaded: string[];
  readonly missing: string[];
  readonly unexpected: string[];
}

const FLOAT_DTYPES = new Set(['F64', 'F32', 'F16', 'BF16']);

/**
 * Assigns checkpoint tensors to the matching variables, after checking every name, shape and dtype
 * first (nothing is assigned when any check fails). F16/BF16/F64 are converted to float32.
 * @throws CheckpointError listing `missing`, `unexpected` and `misshaped` names.
 */
export function assignParams(
  params: Params,
  tensors: ReadonlyMap<string, Tensor>,
  options: AssignOptions = {},
  path?: string,
): AssignReport {
  const strict = options.strict ?? true;
  const missing = [...params.keys()].filter((k) => !tensors.has(k) && !options.allowMissing?.(k));
  const unexpected = [...tensors.keys()].filter((k) => !params.has(k));
  const misshaped: string[] = [];
  const badDtype: string[] = [];
  // model order (a file lists its tensors by dtype, then name)
  for (const [name, v] of params) {
    const t = tensors.get(name);
    if (!t) continue;
    if (t.shape.length !== v.shape.length || t.shape.some((d, i) => d !== v.shape[i]))
      misshaped.push(`${name}: file [${t.shape.join(', ')}] vs model [${v.shape.join(', ')}]`);
    if (!FLOAT_DTYPES.has(t.dtype)) badDtype.push(`${name}: ${t.dtype}`);
  }
  if (missing.length || (strict && unexpected.length) || misshaped.length || badDtype.length) {
    const parts = [
      missing.length ? `missing ${missing.length} (${missing.slice(0, 10).join(', ')})` : '',
      strict && unexpected.length
        ? `unexpected ${unexpected.length} (${unexpected.slice(0, 10).join(', ')})`
        : '',
      misshaped.length ? `mis-shaped ${misshaped.length} (${misshaped.slice(0, 10).join('; ')})` : '',
      badDtype.length ? `non-float dtype (${badDtype.slice(0, 10).join(', ')})` : '',
    ].filter(Boolean);
    throw new CheckpointError(`checkpoint does not match the model: ${parts.join('; ')}`, {
      path,
      missing,
      unexpected,
      misshaped,
      badDtype,
    });
  }
  const loaded: string[] = [];
  for (const [name, v] of params) {
    const t = tensors.get(name);
    if (!t) continue;
    const data = t.dtype === 'F32' ? (t.data as Float32Array) : toFloat32(t.dtype, t.data);
    tf.tidy(() => v.assign(tf.tensor(data, [...t.shape], 'float32')));
    loaded.push(name);
  }
  return { loaded, missing, unexpected };
}

/**
 * Loads a safetensors checkpoint (a path, bytes, or an already parsed file) into `params`.
 * @returns which names were loaded, missing (allowed ones) and unexpected (non-strict mode).
 * @throws CheckpointError when the file is unreadable or does not match (see {@link assignParams}).
 */
export async function loadParams(
  source: string | Uint8Array | SafetensorsFile,
  params: Params,
  options: AssignOptions = {},
): Promise<AssignReport & { metadata: Record<string, string> }> {
  const file =
    typeof source === 'string'
      ? await readSafetensors(source)
      : source instanceof Uint8Array
        ? parseSafetensors(source)
        : source;
  const report = assignParams(params, file.tensors, options, typeof source === 'string' ? source : undefined);
  return { ...report, metadata: file.metadata };
}
