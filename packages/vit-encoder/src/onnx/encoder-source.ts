import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { SafetensorsReader } from '@vfmkit/core';
import { readModelInfo } from '@vfmkit/onnx';
import { loadVitCheckpoint, saveVitCheckpoint } from '../checkpoint';
import { parseVitConfig, type VitConfig, type VitConfigInput } from '../config';
import type { NamedWeights } from '../named-weights';
import { type HfVideoMaeConfig, loadVideoMae } from '../videomae';
import { type VitOnnxMeta, writeVitOnnx } from './export';
import { EncoderSourceError, OnnxOnlyEncoderError } from './source-errors';

/**
 * What an encoder path holds:
 * - `run`: a `vfm-train` run folder (`encoder.safetensors`, and `encoder.onnx` once the run finished);
 * - `vit-checkpoint`: a safetensors file with the vit-encoder config in its `vit_config` metadata;
 * - `videomae`: a Hugging Face VideoMAE checkpoint (`model.safetensors` with its `config.json` beside it,
 *   or the folder holding both);
 * - `onnx`: an ONNX file exported by vit-encoder (runs, but holds no trainable weights).
 */
export type EncoderSourceKind = 'run' | 'vit-checkpoint' | 'videomae' | 'onnx';

/** An encoder path resolved to the ONNX file that runs it and, when it has them, its weights. */
export interface EncoderSource {
  readonly kind: EncoderSourceKind;
  /** The path as given. */
  readonly path: string;
  /** The ONNX file to run: the given one, the run's `encoder.onnx`, or an export in the cache. */
  readonly onnx: string;
  /**
   * A vit-encoder checkpoint with the encoder's weights (the given file, the run's
   * `encoder.safetensors`, or the VideoMAE import converted into the cache); absent for an ONNX file.
   */
  readonly checkpoint?: string;
  /** sha256 (hex) of the weights file (for VideoMAE, of its safetensors and config.json), or of the ONNX file. */
  readonly hash: string;
  /** True when the ONNX file was exported by this call (false: given, or found in the cache). */
  readonly exported: boolean;
}

/** Options of {@link resolveEncoderSource}. */
export interface EncoderSourceOptions {
  /**
   * Where exports and converted checkpoints are cached, by content hash (default
   * `$XDG_CACHE_HOME/vfmkit/encoders`, else `~/.cache/vfmkit/encoders`).
   */
  readonly cacheDir?: string;
  /**
   * Blocks whose outputs an export exposes (default: the config's `exposeLayers`), or a function of the
   * encoder's config giving them (e.g. its last 4 blocks). A run's own `encoder.onnx` is used only when
   * it exposes all of them.
   */
  readonly layers?: readonly number[] | ((config: VitConfig) => readonly number[]);
  /** Clip size `[T, H, W]` of an export (default: the training size). */
  readonly clip?: readonly [number, number, number];
  /** Attention in an export: `fused` (default, ORT's kernel) or `matmul` (standard ops). */
  readonly attention?: 'matmul' | 'fused';
  /**
   * Export one graph for every clip size up to this `[T, H, W]` (multiples of the tubelet; see
   * `exportVitOnnx`'s `maxClip`). A run's own `encoder.onnx` is used only when it was exported so.
   */
  readonly maxClip?: readonly [number, number, number];
  /** Progress lines (an export, a conversion). */
  readonly log?: (line: string) => void;
}

/** The default cache folder of exported encoders. */
export function defaultEncoderCacheDir(): string {
  return join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'vfmkit', 'encoders');
}

/** sha256 (hex) of files' bytes, streamed. */
async function hashFiles(paths: readonly string[]): Promise<string> {
  const h = createHash('sha256');
  for (const p of paths)
    await new Promise<void>((done, fail) => {
      createReadStream(p)
        .on('data', (chunk) => h.update(chunk))
        .on('end', done)
        .on('error', fail);
    });
  return h.digest('hex');
}

function readJson(path: string): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** A `config.json` of Hugging Face's VideoMAE (`model_type: "videomae"`) in `dir`, if any. */
function videoMaeConfigIn(dir: string): HfVideoMaeConfig | undefined {
  const c = readJson(join(dir, 'config.json'));
  return c?.model_type === 'videomae' ? (c as HfVideoMaeConfig) : undefined;
}

async function safetensorsMetadata(path: string): Promise<Readonly<Record<string, string>>> {
  const reader = await SafetensorsReader.open(path);
  try {
    return reader.metadata;
  } finally {
    await reader.close();
  }
}

/** The ONNX file's vit-encoder metadata, or undefined when it has none. */
async function onnxMeta(path: string): Promise<VitOnnxMeta | undefined> {
  const meta = (await readModelInfo(path)).config as VitOnnxMeta | undefined;
  return meta?.kind === 'vfmkit.vit-encoder' ? meta : undefined;
}

/** Whether an existing export exposes `layers` and has clip size `clip` (when asked). */
function exportMatches(meta: VitOnnxMeta, options: EncoderSourceOptions): boolean {
  const layersOk = (layersFor(meta.vit, options) ?? []).every((l) => meta.layers.includes(l));
  const clipOk = options.clip === undefined || options.clip.join() === meta.clip.join();
  const maxOk = (options.maxClip?.join() ?? '') === (meta.maxClip?.join() ?? '');
  return layersOk && clipOk && maxOk && !meta.visibleInput;
}

type Classified =
  | { kind: 'onnx'; onnx: string }
  | { kind: 'vit-checkpoint'; checkpoint: string }
  | { kind: 'run'; checkpoint?: string; onnx?: string }
  | { kind: 'videomae'; safetensors: string; config: string; hf: HfVideoMaeConfig };

/** Decides what `path` is, from its layout and headers only (no weights are read). */
async function classify(path: string): Promise<Classified> {
  const fail = (reason: string): never => {
    throw new EncoderSourceError(`encoder ${path}: ${reason}`, { path, reason });
  };
  if (!existsSync(path)) return fail('does not exist');
  if (statSync(path).isDirectory()) {
    const checkpoint = join(path, 'encoder.safetensors');
    const onnx = join(path, 'encoder.onnx');
    if (existsSync(checkpoint) || existsSync(onnx))
      return {
        kind: 'run',
        checkpoint: existsSync(checkpoint) ? checkpoint : undefined,
        onnx: existsSync(onnx) ? onnx : undefined,
      };
    const hf = videoMaeConfigIn(path);
    if (hf && existsSync(join(path, 'model.safetensors')))
      return {
        kind: 'videomae',
        safetensors: join(path, 'model.safetensors'),
        config: join(path, 'config.json'),
        hf,
      };
    if (existsSync(join(path, 'checkpoint.safetensors')))
      return fail(
        'is a vfm-train run folder with a training state (checkpoint.safetensors) but no encoder.safetensors or encoder.onnx; it was written by a trainer that did not save the encoder',
      );
    return fail(
      'is a folder with neither encoder.safetensors / encoder.onnx (a vfm-train run) nor model.safetensors + a VideoMAE config.json',
    );
  }
  if (path.endsWith('.onnx')) return { kind: 'onnx', onnx: path };
  if (path.endsWith('.safetensors')) {
    let metadata: Readonly<Record<string, string>>;
    try {
      metadata = await safetensorsMetadata(path);
    } catch (cause) {
      throw new EncoderSourceError(
        `encoder ${path}: not a readable safetensors file (${(cause as Error).message})`,
        { path, reason: 'unreadable safetensors' },
        { cause },
      );
    }
    if (metadata.vit_config !== undefined) return { kind: 'vit-checkpoint', checkpoint: path };
    const hf = videoMaeConfigIn(dirname(path));
    if (hf) return { kind: 'videomae', safetensors: path, config: join(dirname(path), 'config.json'), hf };
    if (basename(path) === 'checkpoint.safetensors' && existsSync(join(dirname(path), 'encoder.safetensors')))
      return fail(`is a vfm-train training state; pass the run folder ${dirname(path)} instead`);
    return fail("is a safetensors file with no 'vit_config' metadata and no VideoMAE config.json beside it");
  }
  return fail('is not a run folder, a .safetensors checkpoint or an .onnx file');
}

/** The exposed layers asked for, for an encoder of `config`. */
function layersFor(config: VitConfig, options: EncoderSourceOptions): readonly number[] | undefined {
  return typeof options.layers === 'function' ? options.layers(config) : options.layers;
}

/** A short key of the export options (part of cached file names). */
function exportKey(config: VitConfig, options: EncoderSourceOptions): string {
  const layers = layersFor(config, options);
  const o = {
    // v2: the exporter's fused graph form (BiasGelu, folded pixel normalisation) and `maxClip`;
    // v3: Q, K, V as three products and the MLP in column blocks
    v: 3,
    layers: layers ? [...layers].sort((a, b) => a - b) : null,
    clip: options.clip ?? null,
    attention: options.attention ?? 'fused',
    maxClip: options.maxClip ?? null,
  };
  return createHash('sha256').update(JSON.stringify(o)).digest('hex').slice(0, 12);
}

/**
 * Resolves an encoder path (see {@link EncoderSourceKind}) to the ONNX file that runs it and the
 * vit-encoder checkpoint that holds its weights. Sources with weights but no usable ONNX file
 * (a checkpoint, a VideoMAE import, an interrupted run without `encoder.onnx`, or a run whose export
 * lacks the requested layers) are exported into `cacheDir` as `<sha256 of the weights>-<options>.onnx`,
 * once: a later call with the same weights and options reuses the file. A VideoMAE checkpoint is also
 * converted once into `<hash>.vit.safetensors` there.
 * @throws EncoderSourceError for a path that is none of these (missing, an unknown layout, a
 *   safetensors file without `vit_config` or VideoMAE config, an ONNX file without vit-encoder metadata).
 */
export async function resolveEncoderSource(
  path: string,
  options: EncoderSourceOptions = {},
): Promise<EncoderSource> {
  const found = await classify(path);
  if (found.kind === 'onnx') {
    let meta: VitOnnxMeta | undefined;
    try {
      meta = await onnxMeta(found.onnx);
    } catch (cause) {
      throw new EncoderSourceError(
        `encoder ${path}: not an ONNX model (${(cause as Error).message})`,
        { path, reason: 'not ONNX' },
        { cause },
      );
    }
    if (!meta)
      throw new EncoderSourceError(`encoder ${path}: this ONNX model carries no vit-encoder metadata`, {
        path,
        reason: 'no vit-encoder metadata',
      });
    return { kind: 'onnx', path, onnx: found.onnx, hash: await hashFiles([found.onnx]), exported: false };
  }
  if (found.kind === 'run' && !found.checkpoint) {
    // an older run folder: only its export
    const onnx = found.onnx as string;
    return { kind: 'run', path, onnx, hash: await hashFiles([onnx]), exported: false };
  }
  const cacheDir = resolve(options.cacheDir ?? defaultEncoderCacheDir());
  let checkpoint: string;
  let hash: string;
  if (found.kind === 'videomae') {
    hash = await hashFiles([found.safetensors, found.config]);
    checkpoint = join(cacheDir, `${hash.slice(0, 32)}.vit.safetensors`);
    if (!existsSync(checkpoint)) {
      options.log?.(`importing VideoMAE checkpoint ${found.safetensors} -> ${checkpoint}`);
      const { config, weights } = await loadVideoMae(found.safetensors, found.hf);
      mkdirSync(cacheDir, { recursive: true });
      await saveVitCheckpoint(checkpoint, config, weights);
    }
  } else {
    checkpoint = found.checkpoint as string;
    hash = await hashFiles([checkpoint]);
  }
  if (found.kind === 'run' && found.onnx) {
    const meta = await onnxMeta(found.onnx);
    if (meta && exportMatches(meta, options))
      return { kind: 'run', path, onnx: found.onnx, checkpoint, hash, exported: false };
  }
  const config = parseVitConfig(
    JSON.parse((await safetensorsMetadata(checkpoint)).vit_config as string) as VitConfigInput,
  );
  const onnx = join(cacheDir, `${hash.slice(0, 32)}-${exportKey(config, options)}.onnx`);
  let exported = false;
  if (!existsSync(onnx)) {
    options.log?.(`exporting ${path} to ${onnx}`);
    const { weights } = await loadVitCheckpoint(checkpoint);
    mkdirSync(cacheDir, { recursive: true });
    await writeVitOnnx(onnx, config, weights, {
      layers: layersFor(config, options),
      clip: options.clip as [number, number, number] | undefined,
      attention: options.attention,
      maxClip: options.maxClip,
    });
    exported = true;
  }
  return { kind: found.kind, path, onnx, checkpoint, hash, exported };
}

/**
 * The config and weights of a resolved source (or a path, resolved with default options), for
 * training or adapting the encoder.
 * @throws OnnxOnlyEncoderError when the source is an ONNX file (or a run folder holding only
 *   `encoder.onnx`): it runs, but holds no weights to train, so only frozen readouts apply.
 */
export async function loadEncoderWeights(
  source: EncoderSource | string,
  options: EncoderSourceOptions = {},
): Promise<{ config: VitConfig; weights: NamedWeights }> {
  const s = typeof source === 'string' ? await resolveEncoderSource(source, options) : source;
  if (!s.checkpoint)
    throw new OnnxOnlyEncoderError(
      `encoder ${s.path} is ONNX only: it runs frozen, but has no weights to adapt or finetune; give its vit-encoder checkpoint, run folder or VideoMAE checkpoint instead`,
      { path: s.path },
    );
  return loadVitCheckpoint(s.checkpoint);
}
