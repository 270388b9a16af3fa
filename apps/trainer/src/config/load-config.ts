import { readFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '@vfmkit/core';
import { recipeOf } from '../recipes/registry';
import { applyOverrides, parseOverrides, validateConfig } from './overrides';
import { type TrainConfig, trainConfigSchema } from './schema';

/** Reads a config file: `.json`, or a `.ts`/`.js`/`.mjs` module whose default export is the config. */
export async function readConfigFile(path: string): Promise<Record<string, unknown>> {
  const full = resolve(path);
  try {
    if (extname(full) === '.json') return JSON.parse(await readFile(full, 'utf8'));
    const mod = (await import(pathToFileURL(full).href)) as { default?: Record<string, unknown> };
    if (!mod.default || typeof mod.default !== 'object') throw new Error('has no default export object');
    return mod.default;
  } catch (cause) {
    throw new ConfigError(
      `cannot load config ${path}: ${(cause as Error).message}`,
      { key: '--config', path },
      { cause },
    );
  }
}

function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const prev = out[k];
    out[k] =
      v &&
      typeof v === 'object' &&
      !Array.isArray(v) &&
      prev &&
      typeof prev === 'object' &&
      !Array.isArray(prev)
        ? deepMerge(prev as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

/**
 * Resolves a run's config: recipe defaults, then the config file, then `--key=value` overrides,
 * validated as a whole (unknown keys and bad values are rejected with the key named).
 */
export async function resolveConfig(
  recipe: string,
  options: { file?: string; overrides?: readonly string[] } = {},
): Promise<TrainConfig> {
  let config: Record<string, unknown> = { ...recipeOf(recipe).defaults };
  if (options.file) config = deepMerge(config, await readConfigFile(options.file));
  config = applyOverrides(config, parseOverrides(options.overrides ?? []));
  if (config.recipe !== recipe)
    throw new ConfigError(`config says recipe "${String(config.recipe)}" but "${recipe}" was asked`, {
      key: 'recipe',
    });
  return validateConfig(trainConfigSchema, config);
}
