import { defineConfig, type Options } from 'tsup';

/** Heavy runtimes are never bundled: users install them (peer dependencies). */
export const heavyRuntimes = [
  /^@tensorflow\//,
  /^onnxruntime-/,
  /^@vfmkit\//,
  'protobufjs',
  /^@ffmpeg-installer\//,
];

/**
 * The shared build of every `@vfmkit/*` package: ESM + `.d.ts`, node20 target.
 * A package's `tsup.config.ts` calls `vfmkitBuild({ entry: [...] })`.
 */
export function vfmkitBuild(options: Pick<Options, 'entry'> & Partial<Options>) {
  return defineConfig({
    format: ['esm'],
    target: 'node20',
    platform: 'node',
    dts: true,
    sourcemap: true,
    clean: true,
    splitting: true,
    treeshake: true,
    external: heavyRuntimes,
    ...options,
  });
}
