import { createHash } from 'node:crypto';
import type { Clip, ClipBatch } from '@vfmkit/core';
import { ConfigError } from '@vfmkit/core';
import { checkEmbeddings, type Embedder, EmbedderError } from '@vfmkit/recllm';
import { AppConfigError } from './errors';

/** `[B, D]` row-major embeddings, each row L2-normalised. */
export interface EmbeddingRows {
  readonly data: Float32Array;
  readonly shape: readonly [number, number];
}

/**
 * A joint video-text model as the app embeds with it: videos and captions into one space. This is the
 * shape of videoprism-distill's `VideoTextModel` (`@vfmkit/videoprism-distill/onnx`), so a loaded model
 * is passed as is: `videoTextEmbedder(await VideoTextModel.load(dir), name)`.
 */
export interface VideoTextEncoder {
  /** The shared embedding width `D`. */
  readonly embedDim: number;
  /** `clip`: the `[T, H, W]` clip size `embedVideo` takes. */
  readonly manifest: { readonly clip: readonly [number, number, number] };
  /** `[B, T, H, W, 3]` float32 in [0, 1] -> `[B, D]`, L2-normalised. */
  embedVideo(clips: ClipBatch): Promise<EmbeddingRows>;
  /** Captions -> `[B, D]`, L2-normalised. */
  embedText(texts: readonly string[]): Promise<EmbeddingRows>;
}

/**
 * recllm's `Embedder` with a video tower and the clip size it takes: what `index` and `worker` use to
 * give each item a `videoEmbedding` (the video decoded at `clip`), and what `serve` and `chat` use to
 * embed the text queries in the same space.
 */
export interface VideoTextEmbedder extends Embedder {
  /** `[T, H, W]`. */
  readonly clip: readonly [number, number, number];
  embedVideo(clips: readonly Clip[]): Promise<Float32Array[]>;
}

/** Whether an embedder has a video tower the indexer can use. */
export function hasVideoTower(embedder: Embedder): embedder is VideoTextEmbedder {
  return typeof embedder.embedVideo === 'function' && Array.isArray((embedder as VideoTextEmbedder).clip);
}

function rows(out: EmbeddingRows, expected: number, dim: number, name: string): Float32Array[] {
  const [b, d] = out.shape;
  if (b !== expected || d !== dim || out.data.length !== b * d)
    throw new EmbedderError(
      `embedder '${name}' returned [${out.shape.join(', ')}] (${out.data.length} values) for ${expected} inputs, expected [${expected}, ${dim}]`,
      { name, expected: [expected, dim], actual: [...out.shape] },
    );
  return Array.from({ length: b }, (_, i) => out.data.slice(i * d, (i + 1) * d));
}

/**
 * Adapts a {@link VideoTextEncoder} to recllm's `Embedder` (one `Float32Array` per text or clip), in
 * batches of `batch` (default 16 texts, 4 clips). `name` is stored with the corpus (a store built with
 * one model refuses another), so it should name the model and its version.
 * @throws ConfigError for an empty name or a bad batch size; the returned embedder throws ShapeError
 *   (via the model) or EmbedderError for clips of the wrong size or output of the wrong shape.
 */
export function videoTextEmbedder(
  model: VideoTextEncoder,
  name: string,
  options: { textBatch?: number; videoBatch?: number } = {},
): VideoTextEmbedder {
  const textBatch = options.textBatch ?? 16;
  const videoBatch = options.videoBatch ?? 4;
  if (!name) throw new ConfigError('a video-text embedder needs a name', { key: 'name' });
  for (const [key, v] of Object.entries({ textBatch, videoBatch }))
    if (!Number.isInteger(v) || v < 1)
      throw new ConfigError(`${key} must be an integer >= 1, got ${v}`, { key });
  const dim = model.embedDim;
  const [T, H, W] = model.manifest.clip;
  const embedder: VideoTextEmbedder = {
    name,
    dim,
    clip: [T, H, W],
    async embedText(texts) {
      const out: Float32Array[] = [];
      for (let i = 0; i < texts.length; i += textBatch) {
        const chunk = texts.slice(i, i + textBatch);
        out.push(...rows(await model.embedText(chunk), chunk.length, dim, name));
      }
      return checkEmbeddings(embedder, out, texts.length);
    },
    async embedVideo(clips) {
      const per = T * H * W * 3;
      const out: Float32Array[] = [];
      for (let i = 0; i < clips.length; i += videoBatch) {
        const chunk = clips.slice(i, i + videoBatch);
        const data = new Float32Array(chunk.length * per);
        chunk.forEach((c, j) => {
          const [t, h, w, ch] = c.shape;
          if (t !== T || h !== H || w !== W || ch !== 3 || c.data.length !== per)
            throw new EmbedderError(
              `embedder '${name}' takes clips [${T}, ${H}, ${W}, 3], got [${c.shape.join(', ')}] (clip ${i + j})`,
              { name, expected: [T, H, W, 3], actual: [...c.shape] },
            );
          data.set(c.data, j * per);
        });
        const batch: ClipBatch = { data, shape: [chunk.length, T, H, W, 3] };
        out.push(...rows(await model.embedVideo(batch), chunk.length, dim, name));
      }
      return checkEmbeddings(embedder, out, clips.length);
    },
  };
  return embedder;
}

/**
 * The video-text embedder of a model folder (`--embedder DIR`): a `vfm-train videoprism-contrastive` or
 * `videoprism-distill` run folder, or its `videoprism/` folder, loaded as videoprism-distill's
 * `VideoTextModel` on ONNX Runtime. Its name is `videoprism:<first 12 hex digits of the SHA-256 of its
 * graphs and tokenizer>`, so a corpus built with one model refuses another.
 * @throws AppConfigError when the folder holds no video-text model.
 */
export async function openVideoTextEmbedder(dir: string): Promise<VideoTextEmbedder> {
  const { findVideoTextFolder, readVideoTextModel, VIDEO_TEXT_FILES, VideoTextModel } = await import(
    '@vfmkit/videoprism-distill/onnx'
  );
  const folder = findVideoTextFolder(dir);
  if (!folder)
    throw new AppConfigError(
      `--embedder ${dir}: no video-text model there (neither ${VIDEO_TEXT_FILES.manifest} nor videoprism/${VIDEO_TEXT_FILES.manifest}); train one with vfm-train videoprism-contrastive`,
      { key: 'embedder' },
    );
  // Read once: the hash and the sessions come from the same bytes.
  const parts = await readVideoTextModel(folder);
  const hash = createHash('sha256').update(parts.video).update(parts.text);
  hash.update(typeof parts.tokenizer === 'string' ? parts.tokenizer : JSON.stringify(parts.tokenizer));
  const model = await VideoTextModel.load(parts);
  return videoTextEmbedder(model, `videoprism:${hash.digest('hex').slice(0, 12)}`);
}
