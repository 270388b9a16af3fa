import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CheckpointError, type ClipBatch, ConfigError, ShapeError, writeFileAtomic } from '@vfmkit/core';
import {
  checkRunTokens,
  type OnnxSession,
  openSession,
  rowsPerRun,
  runInSlices,
  type SessionOptions,
  tensor,
} from '@vfmkit/onnx';
import type { NamedWeights } from '@vfmkit/vit-encoder';
import type { VideoTowerConfigInput } from '../config';
import { resolveVideoTower, type VideoTowerConfig } from '../internal/tower';
import {
  parseTextEncoderConfig,
  type TextEncoderConfig,
  type TextEncoderConfigInput,
} from '../text/text-config';
import { TextTokenizer } from '../text/text-tokenizer';
import type { TextWeights } from '../text/text-weights';
import { isStudentVideo, resolveStudentVideo, type StudentVideoConfig } from './student-video-config';
import { exportTextOnnx, type TextOnnxExportOptions } from './text/export-text';
import { exportVideoTowerOnnx, type VideoTowerOnnxOptions } from './video-tower-export';

/** File names inside a video-text model folder. */
export const VIDEO_TEXT_FILES = {
  manifest: 'videoprism.json',
  video: 'video_tower.onnx',
  text: 'text_tower.onnx',
  tokenizer: 'tokenizer.json',
} as const;

/** Format tag of the folder's manifest. */
export const VIDEO_TEXT_FORMAT = 'vfmkit-videoprism/1';

/** What `videoprism.json` holds. */
export interface VideoTextManifest {
  readonly format: typeof VIDEO_TEXT_FORMAT;
  /**
   * The video graph's config: a stage-1 video tower (`VideoTowerConfig`, no `kind`; the folders stage 1
   * writes) or a stage-2 student's global path (`StudentVideoConfig`, `kind: 'student'`; see
   * `buildStudentVideoTextModel`). Both have `encoder`, the ViT that reads the clip.
   */
  readonly video: VideoTowerConfig | StudentVideoConfig;
  readonly text: TextEncoderConfig;
  /**
   * The shared embedding width D (= the text `embedDim` = the tower's width, or the student's output
   * width, its teacher's).
   */
  readonly embedDim: number;
  /** `[T, H, W]` the video graph takes. */
  readonly clip: readonly [number, number, number];
  /** Element type of the text graph's `ids` input. */
  readonly idsType: 'int64' | 'int32';
  /** The stage-1 temperature, if known (similarities divided by it are the training logits). */
  readonly temperature?: number;
}

/** Options of {@link VideoTextModel.load}: the session's, and how video batches are run. */
export interface VideoTextModelOptions extends SessionOptions {
  /**
   * Most video tokens per ONNX Runtime run on the CPU provider: `embedVideo` runs a batch in slices of
   * `max(1, floor(runTokens / tokens per clip))` clips (default 1568, what measured fastest for ViTs
   * here; `Infinity` runs every batch whole, as the CUDA provider always does).
   */
  readonly runTokens?: number;
}

/** Embeddings: `[B, D]` row-major, each row L2-normalised. */
export interface Embeddings {
  readonly data: Float32Array;
  readonly shape: readonly [number, number];
}

/** The parts of a model in memory (what a folder holds). */
export interface VideoTextModelParts {
  readonly manifest: VideoTextManifest;
  /** Video tower ONNX bytes (input `clips`, output `embedding`). */
  readonly video: Uint8Array;
  /** Text tower ONNX bytes (inputs `ids`, `mask`, output `embedding`). */
  readonly text: Uint8Array;
  /** A Hugging Face `tokenizer.json` (text or parsed). */
  readonly tokenizer: string | object;
}

function l2Rows(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let c = 0; c < cols; c++) s += data[r * cols + c] ** 2;
    const inv = 1 / Math.sqrt(s + 1e-12);
    for (let c = 0; c < cols; c++) out[r * cols + c] = data[r * cols + c] * inv;
  }
  return out;
}

function checkManifest(raw: unknown, where: string): VideoTextManifest {
  const m = raw as Partial<VideoTextManifest> | null;
  if (!m || m.format !== VIDEO_TEXT_FORMAT)
    throw new CheckpointError(`${where} is not a ${VIDEO_TEXT_FORMAT} manifest`, { path: where });
  let video: VideoTowerConfig | StudentVideoConfig;
  let text: TextEncoderConfig;
  try {
    video =
      m.video && typeof m.video === 'object' && isStudentVideo(m.video)
        ? resolveStudentVideo(m.video)
        : resolveVideoTower(m.video as VideoTowerConfig);
    text = parseTextEncoderConfig(m.text as TextEncoderConfig);
  } catch (cause) {
    throw new CheckpointError(`${where}: invalid tower configs`, { path: where }, { cause });
  }
  const width = videoEmbedDim(video);
  if (text.embedDim !== width || m.embedDim !== width)
    throw new CheckpointError(
      `${where}: video embedding width ${width}, text embedDim ${text.embedDim} and embedDim ${m.embedDim} must agree`,
      { path: where },
    );
  return { ...(m as VideoTextManifest), video, text };
}

/** Width of the video graph's `embedding`: a tower's width, or a student's `embedDim` (its teacher's width). */
function videoEmbedDim(video: VideoTowerConfig | StudentVideoConfig): number {
  return isStudentVideo(video) ? video.embedDim : video.encoder.width;
}

/**
 * Reads a video-text model folder into memory (what {@link VideoTextModel.load} takes), checking the
 * manifest; e.g. the stage-1 folder whose text tower a student model reuses.
 * @throws CheckpointError for a missing file or a manifest that is not this format or does not agree
 *   with itself.
 */
export async function readVideoTextModel(dir: string): Promise<VideoTextModelParts> {
  const read = async (name: string) => {
    try {
      return await readFile(join(dir, name));
    } catch (cause) {
      throw new CheckpointError(`cannot read ${join(dir, name)}`, { path: join(dir, name) }, { cause });
    }
  };
  const manifestPath = join(dir, VIDEO_TEXT_FILES.manifest);
  let manifest: unknown;
  try {
    manifest = JSON.parse((await read(VIDEO_TEXT_FILES.manifest)).toString('utf8'));
  } catch (cause) {
    if (cause instanceof CheckpointError) throw cause;
    throw new CheckpointError(`${manifestPath} is not JSON`, { path: manifestPath }, { cause });
  }
  return {
    manifest: checkManifest(manifest, manifestPath),
    video: new Uint8Array(await read(VIDEO_TEXT_FILES.video)),
    text: new Uint8Array(await read(VIDEO_TEXT_FILES.text)),
    tokenizer: (await read(VIDEO_TEXT_FILES.tokenizer)).toString('utf8'),
  };
}

/**
 * A model's files as bytes by name (`videoprism.json`, `video_tower.onnx`, `text_tower.onnx`,
 * `tokenizer.json`), each name prefixed with `prefix` (e.g. `'videoprism/'`): what a writer or a
 * trainer's artifacts hook stores.
 */
export function videoTextModelFiles(parts: VideoTextModelParts, prefix = ''): Record<string, Uint8Array> {
  const enc = new TextEncoder();
  const tokenizer = typeof parts.tokenizer === 'string' ? parts.tokenizer : JSON.stringify(parts.tokenizer);
  return {
    [`${prefix}${VIDEO_TEXT_FILES.video}`]: parts.video,
    [`${prefix}${VIDEO_TEXT_FILES.text}`]: parts.text,
    [`${prefix}${VIDEO_TEXT_FILES.tokenizer}`]: enc.encode(tokenizer),
    [`${prefix}${VIDEO_TEXT_FILES.manifest}`]: enc.encode(`${JSON.stringify(parts.manifest, null, 2)}\n`),
  };
}

/**
 * Writes a model's parts as a folder (created if missing), each file atomically and the manifest last.
 * @internal shared by the writers of both kinds
 */
export async function writeVideoTextParts(dir: string, parts: VideoTextModelParts): Promise<void> {
  await mkdir(dir, { recursive: true });
  // Object order: video, text, tokenizer, manifest (last, so a folder with a manifest is complete).
  for (const [name, bytes] of Object.entries(videoTextModelFiles(parts)))
    await writeFileAtomic(join(dir, name), [bytes]);
}

/**
 * The video-text embedder on ONNX Runtime (VideoPrism's zero-shot interface): `embedVideo` maps clips
 * `[B, T, H, W, 3]` and `embedText` maps captions to L2-normalised `[B, D]` embeddings in one space;
 * `similarity` gives their cosine similarities `[Bv, Bt]`. Loads a folder written by
 * {@link writeVideoTextModel} (`videoprism.json`, `video_tower.onnx`, `text_tower.onnx`,
 * `tokenizer.json`) or the same parts from memory.
 */
export class VideoTextModel {
  private constructor(
    readonly manifest: VideoTextManifest,
    private readonly video: OnnxSession,
    private readonly text: OnnxSession,
    readonly tokenizer: TextTokenizer,
    /** Most video tokens per run (see {@link VideoTextModelOptions.runTokens}). */
    private readonly runTokens: number,
  ) {}

  /**
   * Opens both towers (`device` `'auto'` tries CUDA and falls back to CPU; see `@vfmkit/onnx`). Either
   * video kind loads: a stage-1 tower or a stage-2 student (`manifest.video.kind === 'student'`).
   * @throws CheckpointError for a missing file or a manifest that is not this format or does not agree
   *   with itself; OnnxSessionError when ONNX Runtime rejects a graph.
   */
  static async load(
    source: string | VideoTextModelParts,
    options: VideoTextModelOptions = {},
  ): Promise<VideoTextModel> {
    const { runTokens: asked, ...sessionOptions } = options;
    const runTokens = checkRunTokens(asked);
    const parts =
      typeof source === 'string'
        ? await readVideoTextModel(source)
        : { ...source, manifest: checkManifest(source.manifest, 'manifest') };
    const tokenizer = TextTokenizer.fromJSON(parts.tokenizer);
    if (tokenizer.vocabSize > parts.manifest.text.vocabSize)
      throw new CheckpointError(
        `the tokenizer has ${tokenizer.vocabSize} tokens, the text tower only ${parts.manifest.text.vocabSize}`,
        { vocabSize: tokenizer.vocabSize },
      );
    const video = await openSession(parts.video, sessionOptions);
    try {
      const text = await openSession(parts.text, sessionOptions);
      return new VideoTextModel(parts.manifest, video, text, tokenizer, runTokens);
    } catch (cause) {
      await video.dispose();
      throw cause;
    }
  }

  /** The shared embedding width D. */
  get embedDim(): number {
    return this.manifest.embedDim;
  }

  /** Which provider runs the towers (`'cuda'` or `'cpu'`). */
  get provider(): string {
    return this.video.provider;
  }

  /**
   * L2-normalised global video embeddings.
   * @param clips `[B, T, H, W, 3]` float32 in [0, 1], `[T, H, W]` = `manifest.clip`
   * @returns `[B, D]`
   * @throws ShapeError for a clip of another size.
   */
  async embedVideo(clips: ClipBatch): Promise<Embeddings> {
    const [b, t, h, w, c] = clips.shape;
    const [ct, ch, cw] = this.manifest.clip;
    if (t !== ct || h !== ch || w !== cw || c !== this.manifest.video.encoder.channels || b < 1)
      throw new ShapeError(
        `clips [${clips.shape.join(', ')}] must be [B, ${ct}, ${ch}, ${cw}, ${this.manifest.video.encoder.channels}]`,
        {
          name: 'clips',
          expected: ['B', ct, ch, cw, this.manifest.video.encoder.channels],
          actual: [...clips.shape],
        },
      );
    const [tt, tp, tq] = this.manifest.video.encoder.tubelet;
    const tokensPerClip = (ct / tt) * (ch / tp) * (cw / tq);
    const out = await runInSlices(
      this.video,
      { clips: tensor(clips.data, clips.shape) },
      rowsPerRun(this.video, this.runTokens, tokensPerClip),
    );
    const d = this.embedDim;
    return { data: l2Rows(out.embedding.data as Float32Array, b, d), shape: [b, d] };
  }

  /**
   * L2-normalised text embeddings of captions (tokenized with the model's tokenizer, padded or cut to
   * the text tower's `maxLength`).
   * @returns `[B, D]`
   * @throws EmptyCaptionError for an empty caption; ShapeError for an empty list.
   */
  async embedText(texts: readonly string[]): Promise<Embeddings> {
    const enc = this.tokenizer.encode(texts, this.manifest.text.maxLength);
    const [b, l] = enc.shape;
    const ids =
      this.manifest.idsType === 'int64'
        ? tensor(
            BigInt64Array.from(enc.ids, (v) => BigInt(v)),
            [b, l],
          )
        : tensor(Int32Array.from(enc.ids), [b, l]);
    const out = await this.text.run({ ids, mask: tensor(enc.mask, [b, l]) });
    const d = this.embedDim;
    return { data: l2Rows(out.embedding.data as Float32Array, b, d), shape: [b, d] };
  }

  /**
   * Cosine similarities of every video to every caption: `[Bv, Bt]` = `video . text^T` (both sides
   * are L2-normalised by `embedVideo` and `embedText`).
   * @throws ShapeError when the widths differ.
   */
  similarity(video: Embeddings, text: Embeddings): Embeddings {
    const [bv, d] = video.shape;
    const [bt, dt] = text.shape;
    if (d !== dt)
      throw new ShapeError(`video width ${d} and text width ${dt} differ`, {
        name: 'text',
        expected: [bt, d],
        actual: [bt, dt],
      });
    const out = new Float32Array(bv * bt);
    for (let i = 0; i < bv; i++)
      for (let j = 0; j < bt; j++) {
        let s = 0;
        for (let k = 0; k < d; k++) s += video.data[i * d + k] * text.data[j * d + k];
        out[i * bt + j] = s;
      }
    return { data: out, shape: [bv, bt] };
  }

  /** Closes both sessions. */
  async dispose(): Promise<void> {
    await this.video.dispose();
    await this.text.dispose();
  }
}

/** What {@link writeVideoTextModel} writes: both towers' configs and weights and the tokenizer. */
export interface VideoTextModelSource {
  readonly video: {
    readonly config: VideoTowerConfigInput | VideoTowerConfig;
    readonly weights: NamedWeights;
  };
  readonly text: { readonly config: TextEncoderConfigInput; readonly weights: TextWeights };
  /** The tokenizer (a `TextTokenizer` or its tokenizer.json). */
  readonly tokenizer: TextTokenizer | string;
  /** The stage-1 temperature, stored in the manifest. */
  readonly temperature?: number;
  readonly options?: { readonly video?: VideoTowerOnnxOptions; readonly text?: TextOnnxExportOptions };
}

/**
 * The parts of a video-text model from tfjs weights: both towers exported to ONNX, the tokenizer and
 * the manifest (see {@link VideoTextModel.load}, which accepts the result directly).
 * @throws ConfigError when the text `embedDim` differs from the video width; CheckpointError for
 *   weights that do not fit their configs.
 */
export function buildVideoTextModel(source: VideoTextModelSource): VideoTextModelParts {
  const video = resolveVideoTower(source.video.config);
  const text = parseTextEncoderConfig(source.text.config);
  if (text.embedDim !== video.encoder.width)
    throw new ConfigError(
      `the text embedDim ${text.embedDim} must equal the video width ${video.encoder.width}`,
      {
        key: 'text.embedDim',
        value: text.embedDim,
      },
    );
  const clip = source.options?.video?.clip ?? [
    video.encoder.frames,
    video.encoder.imageSize[0],
    video.encoder.imageSize[1],
  ];
  const idsType = source.options?.text?.idsType ?? 'int64';
  const manifest: VideoTextManifest = {
    format: VIDEO_TEXT_FORMAT,
    video,
    text,
    embedDim: video.encoder.width,
    clip: [clip[0], clip[1], clip[2]],
    idsType,
    ...(source.temperature !== undefined ? { temperature: source.temperature } : {}),
  };
  const tokenizer = typeof source.tokenizer === 'string' ? source.tokenizer : source.tokenizer.toJSON();
  return {
    manifest,
    video: exportVideoTowerOnnx(video, source.video.weights, source.options?.video),
    text: exportTextOnnx(text, source.text.weights, { ...source.options?.text, idsType }),
    tokenizer,
  };
}

/**
 * Writes a video-text model folder (created if missing; each file written atomically):
 * `videoprism.json`, `video_tower.onnx`, `text_tower.onnx`, `tokenizer.json`. This is what the stage-1
 * trainer exports and what {@link VideoTextModel.load} reads.
 */
export async function writeVideoTextModel(
  dir: string,
  source: VideoTextModelSource,
): Promise<VideoTextModelParts> {
  const parts = buildVideoTextModel(source);
  await writeVideoTextParts(dir, parts);
  return parts;
}

/**
 * The video-text model folder of `path`: `path` itself when it holds `videoprism.json`, else its
 * `videoprism/` subfolder (what `vfm-train videoprism-contrastive` and `videoprism-distill` write in a
 * run folder); null when neither holds one.
 */
export function findVideoTextFolder(path: string): string | null {
  if (existsSync(join(path, VIDEO_TEXT_FILES.manifest))) return path;
  const sub = join(path, 'videoprism');
  return existsSync(join(sub, VIDEO_TEXT_FILES.manifest)) ? sub : null;
}
