import { CheckpointError, parseSafetensors, readSafetensors, type SafetensorsFile } from '@vfmkit/core';
import { assignParams, saveParams, serializeParams } from '@vfmkit/nn';
import { parseTokenizerConfig, type TokenizerConfig } from '../config';
import { TokenizerModel } from './tokenizer-model';

/** The metadata key that holds the tokenizer's JSON config in its safetensors checkpoint. */
export const TOKENIZER_CONFIG_KEY = 'vfmkit.tokenizer.config';

/** Writes the model's weights with its config in the metadata (atomic write). */
export async function saveTokenizer(path: string, model: TokenizerModel): Promise<void> {
  await saveParams(path, model.params, { [TOKENIZER_CONFIG_KEY]: JSON.stringify(model.config) });
}

/** The checkpoint as safetensors bytes (same content as {@link saveTokenizer}). */
export async function serializeTokenizer(model: TokenizerModel): Promise<Uint8Array> {
  return serializeParams(model.params, { [TOKENIZER_CONFIG_KEY]: JSON.stringify(model.config) });
}

async function open(source: string | Uint8Array): Promise<SafetensorsFile> {
  return typeof source === 'string' ? readSafetensors(source) : parseSafetensors(source);
}

function configOf(file: SafetensorsFile, path?: string): TokenizerConfig {
  const raw = file.metadata[TOKENIZER_CONFIG_KEY];
  if (!raw)
    throw new CheckpointError(`not a tokenizer checkpoint: no "${TOKENIZER_CONFIG_KEY}" metadata`, { path });
  try {
    return parseTokenizerConfig(JSON.parse(raw));
  } catch (cause) {
    throw new CheckpointError('the checkpoint holds an invalid tokenizer config', { path }, { cause });
  }
}

/**
 * Builds a model from a checkpoint: config from its metadata, then every weight (names and shapes checked).
 * @throws CheckpointError for a file without a valid tokenizer config or with weights that do not match it.
 */
export async function loadTokenizer(source: string | Uint8Array): Promise<TokenizerModel> {
  const path = typeof source === 'string' ? source : undefined;
  const file = await open(source);
  const model = new TokenizerModel(configOf(file, path));
  try {
    assignParams(model.params, file.tensors, {}, path);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return model;
}

/**
 * Loads a checkpoint into an existing model after checking that it was written for the same config.
 * @throws CheckpointError naming the first differing config key, or for mismatched weights.
 */
export async function loadTokenizerWeights(
  model: TokenizerModel,
  source: string | Uint8Array,
): Promise<void> {
  const path = typeof source === 'string' ? source : undefined;
  const file = await open(source);
  const theirs = configOf(file, path);
  const ours = model.config as unknown as Record<string, unknown>;
  const other = theirs as unknown as Record<string, unknown>;
  for (const key of Object.keys(ours)) {
    if (JSON.stringify(ours[key]) !== JSON.stringify(other[key]))
      throw new CheckpointError(
        `checkpoint was written for another tokenizer config: ${key} is ${JSON.stringify(other[key])}, the model has ${JSON.stringify(ours[key])}`,
        { path, key, checkpoint: other[key], model: ours[key] },
      );
  }
  assignParams(model.params, file.tensors, {}, path);
}
