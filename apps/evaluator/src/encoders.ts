import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { initVitWeights, saveVitCheckpoint } from '@vfmkit/vit-encoder';
import {
  type EncoderSource,
  EncoderSourceError,
  loadEncoderWeights,
  OnnxOnlyEncoderError,
  VideoEncoder,
} from '@vfmkit/vit-encoder/onnx';
import { EvaluatorError } from './errors';

/** An encoder ready to embed clips. */
export interface LoadedEncoder {
  readonly name: string;
  /** The ONNX file that runs (a run's `encoder.onnx`, the given file, or an export in `<out>/encoders`). */
  readonly onnx: string;
  /** The path it was given as (or a description of the random baseline). */
  readonly source: string;
  /** What the source was: `run`, `vit-checkpoint`, `videomae`, `onnx` (or `random-init`). */
  readonly kind: string;
  /** A vit-encoder checkpoint with its weights (what `adapter` and `e2e` train); absent for ONNX only. */
  readonly checkpoint?: string;
  readonly encoder: VideoEncoder;
}

/** The last (up to 4) blocks of a depth-`depth` encoder: the layers `mlap` reads. */
export function mlapLayers(depth: number): number[] {
  return Array.from({ length: Math.min(4, depth) }, (_, i) => depth - Math.min(4, depth) + i);
}

/** Options every encoder is opened with. */
export interface OpenOptions {
  /** Where exports of checkpoints (and the random baseline) go: `<out>/encoders`. */
  readonly out: string;
  readonly device: 'auto' | 'cpu' | 'cuda';
  readonly threads?: number;
  readonly log: (line: string) => void;
}

/**
 * Opens an encoder from a path (`@vfmkit/vit-encoder`'s `VideoEncoder.load`): a `vfm-train` run folder
 * (its `encoder.safetensors`; `encoder.onnx` when it exposes the last 4 blocks, else an export), a
 * vit-encoder checkpoint, a Hugging Face VideoMAE checkpoint, or an exported `.onnx` file (ONNX only:
 * frozen methods). Exports are cached by content hash in `<out>/encoders`, with the last 4 blocks exposed.
 * @throws EvaluatorError for a path that is no encoder source (the cause says why).
 */
export async function openEncoder(name: string, path: string, o: OpenOptions): Promise<LoadedEncoder> {
  let encoder: VideoEncoder;
  try {
    encoder = await VideoEncoder.load(path, {
      cacheDir: join(o.out, 'encoders'),
      layers: (c) => mlapLayers(c.depth),
      device: o.device,
      threads: o.threads,
      log: o.log,
    });
  } catch (error) {
    if (error instanceof EncoderSourceError)
      throw new EvaluatorError(
        `encoder "${name}" (${path}) ${error.details.reason}`,
        { what: 'encoder', path, reason: error.details.reason },
        { cause: error },
      );
    throw error;
  }
  const source = encoder.source as EncoderSource;
  return { name, onnx: source.onnx, source: path, kind: source.kind, checkpoint: source.checkpoint, encoder };
}

/**
 * Why an encoder cannot run a backbone method (`adapter`, `e2e`), or undefined when it can: the
 * message of vit-encoder's `OnnxOnlyEncoderError` for an ONNX-only encoder.
 */
export async function backboneUnavailable(l: LoadedEncoder): Promise<string | undefined> {
  if (l.checkpoint) return undefined;
  try {
    await loadEncoderWeights(l.encoder.source as EncoderSource);
    return undefined;
  } catch (error) {
    if (error instanceof OnnxOnlyEncoderError) return error.message;
    throw error;
  }
}

/**
 * A randomly initialised copy of `like`'s architecture (same clip size and exposed layers), saved as
 * a vit-encoder checkpoint in `<out>/encoders` so that every method (frozen and backbone) runs on it.
 */
export async function randomBaseline(
  like: LoadedEncoder,
  seed: number,
  o: OpenOptions,
): Promise<LoadedEncoder> {
  const m = like.encoder.meta;
  mkdirSync(join(o.out, 'encoders'), { recursive: true });
  const checkpoint = join(o.out, 'encoders', `random-init-${seed}.safetensors`);
  await saveVitCheckpoint(checkpoint, m.vit, initVitWeights(m.vit, seed));
  const encoder = await VideoEncoder.load(checkpoint, {
    cacheDir: join(o.out, 'encoders'),
    layers: m.layers,
    clip: m.clip,
    device: o.device,
    threads: o.threads,
    log: o.log,
  });
  const source = encoder.source as EncoderSource;
  return {
    name: `${like.name} (random init)`,
    onnx: source.onnx,
    source: `random init of ${like.name}'s architecture, seed ${seed}`,
    kind: 'random-init',
    checkpoint,
    encoder,
  };
}
