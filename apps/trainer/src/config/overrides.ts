import { ConfigError, parseConfig, type SafeParser } from '@vfmkit/core';
import type { z } from 'zod';

/**
 * Parses CLI overrides `--key=value` / `--a.b.c=value` into `[path, value]` pairs. Values are read as
 * JSON when they parse (numbers, booleans, arrays, null), else kept as strings.
 * @throws ConfigError for an argument that is not `--key=value`.
 */
export function parseOverrides(args: readonly string[]): [string[], unknown][] {
  return args.map((arg) => {
    const match = /^--([A-Za-z_][\w-]*(?:\.[\w-]+)*)=(.*)$/s.exec(arg);
    if (!match) throw new ConfigError(`expected --key=value, got "${arg}"`, { key: arg });
    const [, key, raw] = match;
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      // not JSON: a plain string such as a path or a name
    }
    return [key.split('.'), value];
  });
}

/** Returns a deep copy of `base` with each override set at its dotted path. */
export function applyOverrides<T extends object>(base: T, overrides: readonly [string[], unknown][]): T {
  const out = structuredClone(base) as Record<string, unknown>;
  for (const [path, value] of overrides) {
    let node = out;
    for (const part of path.slice(0, -1)) {
      const next = node[part];
      if (next === undefined) node[part] = {};
      else if (next === null || typeof next !== 'object' || Array.isArray(next)) {
        throw new ConfigError(`cannot set ${path.join('.')}: ${part} is not an object`, {
          key: path.join('.'),
        });
      }
      node = node[part] as Record<string, unknown>;
    }
    node[path[path.length - 1]] = value;
  }
  return out as T;
}

/**
 * Validates a config against its schema; the first problem becomes a ConfigError naming the key
 * (unknown keys included, since recipe schemas are strict).
 */
export function validateConfig<S extends z.ZodType>(schema: S, value: unknown, what = 'config'): z.output<S> {
  return parseConfig(schema as SafeParser<z.output<S>>, value, what);
}
