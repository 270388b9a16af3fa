import { readFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '@vfmkit/core';
import maeDefaults from '../../configs/mae';
import maeDualDefaults from '../../configs/mae-dual';
import { applyOverrides, parseOverrides, validateConfig } from './overrides';
import { type TrainConfig, trainConfigSchema } from './schema';

/** Built-in recipe defaults (apps/trainer/configs/<recipe>.ts). */
export const RECIPES = { mae: maeDefaults, 'mae-dual': maeDualDefaults } as const;
export type RecipeName = keyof typeof RECIPES;

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
  if (!(recipe in RECIPES)) {
    throw new ConfigError(`unknown recipe "${recipe}"; known: ${Object.keys(RECIPES).join(', ')}`, {
      key: 'recipe',
      value: recipe,
    });
  }
  let config: Record<string, unknown> = { ...RECIPES[recipe as RecipeName] };
  if (options.file) config = deepMerge(config, await readConfigFile(options.file));
  config = applyOverrides(config, parseOverrides(options.overrides ?? []));
  if (config.recipe !== recipe)
    throw new ConfigError(`config says recipe "${String(config.recipe)}" but "${recipe}" was asked`, {
      key: 'recipe',
    });
  return validateConfig(trainConfigSchema, config);
}
