import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = resolve(dirname(fileURLToPath(import.meta.url)), '../src');

/** Every bare module specifier reachable from `entry` through relative imports. */
function bareImports(entry: string): Set<string> {
  const seen = new Set<string>();
  const bare = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)) {
      const spec = m[1];
      if (!spec.startsWith('.')) {
        bare.add(spec);
        continue;
      }
      const base = join(dirname(file), spec);
      const next = [`${base}.ts`, join(base, 'index.ts')].find((p) => existsSync(p));
      if (next) queue.push(next);
    }
  }
  return bare;
}

describe('root entry', () => {
  it('reaches no ML runtime (tfjs lives under /tfjs only)', () => {
    const root = [...bareImports(join(src, 'index.ts'))].sort();
    expect(root).toEqual(['@vfmkit/core', '@vfmkit/video', 'pngjs', 'zod']);
    const tfjs = bareImports(join(src, 'tfjs/index.ts'));
    expect(tfjs.has('@vfmkit/nn')).toBe(true);
  });
});
