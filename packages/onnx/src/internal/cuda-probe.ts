import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * Where onnxruntime-node keeps its native libraries, and whether the CUDA provider libraries are
 * there. `known: false` when the package layout is not the expected one (then only trying tells).
 */
export function cudaProviderFiles(): { known: boolean; dir: string; missing: string[] } {
  try {
    const require = createRequire(import.meta.url);
    const root = dirname(require.resolve('onnxruntime-node/package.json'));
    const dir = join(root, 'bin', 'napi-v6', process.platform, process.arch);
    if (!existsSync(dir)) return { known: false, dir, missing: [] };
    const ext = process.platform === 'win32' ? '.dll' : '.so';
    const prefix = process.platform === 'win32' ? '' : 'lib';
    const files = [
      `${prefix}onnxruntime_providers_shared${ext}`,
      `${prefix}onnxruntime_providers_cuda${ext}`,
    ];
    return { known: true, dir, missing: files.filter((f) => !existsSync(join(dir, f))) };
  } catch {
    return { known: false, dir: '', missing: [] };
  }
}
