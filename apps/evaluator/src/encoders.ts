import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { initVitWeights, loadVitCheckpoint } from '@vfmkit/vit-encoder';
import { type VideoEncoder, writeVitOnnx } from '@vfmkit/vit-encoder/onnx';
import { EvaluatorError } from './errors';

/** An encoder ready to embed clips. */
export interface LoadedEncoder {
  readonly name: string;
  /** The ONNX file that runs (exported here for checkpoints and the random baseline). */
  readonly onnx: string;
  readonly source: string;
  readonly encoder: VideoEncoder;
}

/** The last (up to 4) blocks of a depth-`depth` encoder: the layers `mlap` reads. */
export function mlapLayers(depth: number): number[] {
  return Array.from({ length: Math.min(4, depth) }, (_, i) => depth - Math.min(4, depth) + i);
}

/**
 * Resolves an encoder path to an ONNX file: a trainer run folder (its `encoder.onnx`), an `.onnx` file,
 * or a safetensors checkpoint with `vit_config` metadata (exported to `<out>/encoders/<name>.onnx` with
 * its last 4 blocks as outputs).
 * @throws EvaluatorError for a path that is none of these.
 */
export async function resolveEncoder(name: string, path: string, out: string): Promise<string> {
  if (!existsSync(path))
    throw new EvaluatorError(`encoder "${name}": ${path} does not exist`, { what: 'encoder', path });
  if (statSync(path).isDirectory()) {
    const onnx = join(path, 'encoder.onnx');
    if (!existsSync(onnx))
      throw new EvaluatorError(`encoder "${name}": run folder ${path} has no encoder.onnx`, {
        what: 'encoder',
        path,
      });
    return onnx;
  }
  if (path.endsWith('.onnx')) return path;
  if (path.endsWith('.safetensors')) {
    const { config, weights } = await loadVitCheckpoint(path);
    mkdirSync(join(out, 'encoders'), { recursive: true });
    const onnx = join(out, 'encoders', `${name}.onnx`);
    await writeVitOnnx(onnx, config, weights, { layers: mlapLayers(config.depth) });
    return onnx;
  }
  throw new EvaluatorError(
    `encoder "${name}": ${path} is not a run folder, an .onnx file or a .safetensors checkpoint`,
    { what: 'encoder', path },
  );
}

/** Exports a randomly initialised copy of `like`'s architecture (same clip size and exposed layers). */
export async function randomBaseline(like: VideoEncoder, out: string, seed: number): Promise<string> {
  const config = like.meta.vit;
  mkdirSync(join(out, 'encoders'), { recursive: true });
  const onnx = join(out, 'encoders', `random-init-${seed}.onnx`);
  await writeVitOnnx(onnx, config, initVitWeights(config, seed), {
    clip: like.meta.clip,
    layers: like.meta.layers,
  });
  return onnx;
}
