import { defineProject } from 'vitest/config';

/** Resolve `@vfmkit/*` imports to their `src/` through the `@vfmkit/source` export condition. */
export const sourceConditions = ['@vfmkit/source', 'import', 'module', 'node', 'default'];

export function vfmkitProject(name: string, extra: { testTimeout?: number } = {}) {
  return defineProject({
    resolve: { conditions: sourceConditions },
    ssr: { resolve: { conditions: sourceConditions, externalConditions: ['@vfmkit/source'] } },
    test: {
      name,
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      environment: 'node',
      testTimeout: extra.testTimeout ?? 30_000,
    },
  });
}
