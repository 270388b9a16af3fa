import { createHash } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import {
  checkEmbeddings,
  type Embedder,
  type Item,
  type ItemInput,
  itemSchema,
  parseItem,
} from '@vfmkit/recllm';
import type { CorpusStore } from '@vfmkit/recllm/lancedb';
import { decodeClip, probeVideo, uniformIndices } from '@vfmkit/video';
import { z } from 'zod';
import { dataPaths, openCorpus } from './app-context';
import { AppConfigError } from './errors';
import { IndexLedger } from './ledger';
import { writeThumbnails } from './media';
import { VideoFeatureStore } from './video-features';
import { hasVideoTower } from './video-text';

/** Frames decoded per video for the GIF preview (the first is the PNG thumbnail). */
export const PREVIEW_FRAMES = 16;
/** Width of thumbnails and previews in pixels (height keeps the aspect ratio, rounded to even). */
export const THUMB_WIDTH = 128;

/** One unit of indexing work: a validated item whose `media.clipPath` is an absolute video path. */
export interface IndexTask {
  readonly item: ItemInput;
  /** sha256 of the video bytes and the canonical manifest entry. */
  readonly sourceHash: string;
}

const manifestSchema = z.union([
  z.array(z.unknown()),
  z.object({ items: z.array(z.unknown()) }).transform((m) => m.items),
]);

/**
 * Reads an index manifest: a JSON array of items (recllm's item schema, without `videoEmbedding`),
 * or `{ "items": [...] }`. Each needs `media.clipPath`, relative to the manifest's folder or absolute.
 * @throws AppConfigError naming the file and the first bad entry.
 */
export function readIndexManifest(path: string): ItemInput[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new AppConfigError(`manifest ${path}: ${(e as Error).message}`, { path });
  }
  const list = manifestSchema.safeParse(raw);
  if (!list.success)
    throw new AppConfigError(`manifest ${path}: expected a JSON array of items or { "items": [...] }`, {
      path,
    });
  const base = dirname(resolve(path));
  const seen = new Set<string>();
  return list.data.map((entry, i) => {
    const r = itemSchema.safeParse(entry);
    if (!r.success) {
      const issue = r.error.issues[0];
      throw new AppConfigError(
        `manifest ${path}: entry ${i}: ${issue.path.join('.') || '(root)'}: ${issue.message}`,
        { path, index: i },
      );
    }
    const item = r.data;
    const clip = item.media?.clipPath;
    if (!clip)
      throw new AppConfigError(`manifest ${path}: entry ${i} ('${item.id}') has no media.clipPath`, {
        path,
        index: i,
      });
    if (seen.has(item.id))
      throw new AppConfigError(`manifest ${path}: id '${item.id}' appears twice`, { path, index: i });
    seen.add(item.id);
    return { ...item, media: { ...item.media, clipPath: isAbsolute(clip) ? clip : join(base, clip) } };
  });
}

/** sha256 of a file's bytes (streamed). */
export function fileSha256(path: string): Promise<string> {
  return new Promise((ok, fail) => {
    const h = createHash('sha256');
    createReadStream(path)
      .on('data', (d) => h.update(d))
      .on('error', fail)
      .on('end', () => ok(h.digest('hex')));
  });
}

/** The task of an item: its source hash over the video bytes (or the read error) and the entry. */
export async function indexTask(item: ItemInput): Promise<IndexTask> {
  const clip = item.media?.clipPath as string;
  let bytes: string;
  try {
    bytes = await fileSha256(clip);
  } catch (e) {
    bytes = `unreadable:${(e as NodeJS.ErrnoException).code ?? 'error'}`;
  }
  const sourceHash = createHash('sha256')
    .update(bytes)
    .update(JSON.stringify(parseItem(item)))
    .digest('hex');
  return { item, sourceHash };
}

/** A video encoder as the indexer uses it: a name and one pooled `[D]` feature per video file. */
export interface VideoFeatureEncoder {
  /** Stored with each feature (features of different models are never compared). */
  readonly model: string;
  embedFile(path: string): Promise<Float32Array>;
}

/** The features file of a data folder. */
export function featuresPath(dataDir: string): string {
  return join(dataDir, 'video-features.db');
}

/**
 * Loads a vit-encoder `VideoEncoder` (an exported `.onnx`, a checkpoint or a run folder) on ONNX
 * Runtime (CPU) as a {@link VideoFeatureEncoder}: each video is decoded at the model's clip size
 * `[T, H, W]` (T frames spread uniformly, resized) and its pooled embedding returned.
 */
export async function loadVideoEncoder(path: string): Promise<VideoFeatureEncoder> {
  const { VideoEncoder } = await import('@vfmkit/vit-encoder/onnx');
  const encoder = await VideoEncoder.load(path, { device: 'cpu', log: () => {} });
  const [T, H, W] = encoder.meta.clip;
  const model = `vit-encoder:${await fileSha256(encoder.source?.onnx ?? path).catch(() => path)}`.slice(
    0,
    80,
  );
  return {
    model,
    async embedFile(file: string) {
      const info = await probeVideo(file);
      const clip = await decodeClip(file, {
        indices: uniformIndices(info.frameCount, T),
        size: { width: W, height: H },
        info,
      });
      const out = await encoder.embed({ data: clip.data, shape: [1, T, H, W, 3] });
      return Float32Array.from(out.pooled);
    },
  };
}

/** A worker's view of a data folder: the store, the ledger, the media folder, the optional encoder. */
export interface IndexTarget {
  readonly store: CorpusStore;
  readonly ledger: IndexLedger;
  readonly mediaDir: string;
  readonly encoder?: VideoFeatureEncoder;
  readonly features?: VideoFeatureStore;
  close(): Promise<void>;
}

/**
 * Opens a data folder for indexing (with `encoderPath`, video features are computed too). `embedder`
 * embeds the item texts (default: the app's hashing embedder); one with a video tower
 * ({@link hasVideoTower}, e.g. `videoTextEmbedder(VideoTextModel)`) also gives each item its
 * `videoEmbedding`.
 */
export async function openIndexTarget(
  dataDir: string,
  options: { encoderPath?: string; embedder?: Embedder } = {},
): Promise<IndexTarget> {
  const paths = dataPaths(dataDir);
  const encoder = options.encoderPath ? await loadVideoEncoder(options.encoderPath) : undefined;
  const store = await openCorpus(dataDir, options.embedder);
  const ledger = new IndexLedger(join(dataDir, 'index-ledger.db'));
  const features = encoder ? new VideoFeatureStore(featuresPath(dataDir)) : undefined;
  return {
    store,
    ledger,
    mediaDir: paths.media,
    encoder,
    features,
    async close() {
      features?.close();
      ledger.close();
      await store.close();
    },
  };
}

/**
 * Whether the task is already done: same source hash in the ledger, the item in the store (with its
 * video embedding when the store's embedder has a video tower), and, with an encoder, its features
 * from that model.
 */
export function alreadyIndexed(target: IndexTarget, task: IndexTask): boolean {
  const stored = target.store.get(task.item.id);
  return (
    target.ledger.get(task.item.id) === task.sourceHash &&
    stored !== undefined &&
    (!hasVideoTower(target.store.embedder) || stored.videoEmbedding !== undefined) &&
    (!target.encoder || target.features?.get(task.item.id)?.model === target.encoder.model)
  );
}

/**
 * The video embedding of a file with the store's video-text embedder: the video decoded at the model's
 * clip size `[T, H, W]` (T frames spread uniformly, resized), one `[D]` vector. `undefined` when the
 * embedder has no video tower.
 */
export async function embedVideoFile(embedder: Embedder, path: string): Promise<number[] | undefined> {
  if (!hasVideoTower(embedder)) return undefined;
  const [T, H, W] = embedder.clip;
  const info = await probeVideo(path);
  const clip = await decodeClip(path, {
    indices: uniformIndices(info.frameCount, T),
    size: { width: W, height: H },
    info,
  });
  const [v] = checkEmbeddings(
    embedder,
    await embedder.embedVideo([{ data: clip.data, shape: [T, H, W, 3] }]),
    1,
  );
  return Array.from(v);
}

/**
 * Indexes one video: probes and decodes {@link PREVIEW_FRAMES} frames spread over it (@vfmkit/video,
 * resized to {@link THUMB_WIDTH} wide), writes `<id>.png` (first frame) and `<id>.gif`, upserts the
 * item with `media.thumbnailPath` (idempotent: id + content hash), then records it in the ledger. With
 * an encoder, the video's pooled feature is stored first (`video-features.db`); with a video-text
 * embedder, the item gets its `videoEmbedding` ({@link embedVideoFile}).
 * @returns `skipped` when {@link alreadyIndexed}.
 * @throws VideoDecodeError for a missing or undecodable video.
 */
export async function indexOne(target: IndexTarget, task: IndexTask): Promise<'indexed' | 'skipped'> {
  if (alreadyIndexed(target, task)) return 'skipped';
  const clipPath = task.item.media?.clipPath as string;
  const info = await probeVideo(clipPath);
  const width = THUMB_WIDTH;
  const height = Math.max(2, 2 * Math.round((THUMB_WIDTH * info.height) / info.width / 2));
  const frames = Math.max(1, Math.min(PREVIEW_FRAMES, info.frameCount));
  const clip = await decodeClip(clipPath, {
    indices: uniformIndices(info.frameCount, frames),
    size: { width, height },
    info,
  });
  const { png } = writeThumbnails(
    target.mediaDir,
    task.item.id,
    { data: clip.data, shape: clip.shape },
    false,
  );
  if (target.encoder && target.features)
    target.features.put(task.item.id, target.encoder.model, await target.encoder.embedFile(clipPath));
  const videoEmbedding = await embedVideoFile(target.store.embedder, clipPath);
  const item: Item = parseItem({
    ...task.item,
    media: { ...task.item.media, thumbnailPath: png },
    ...(videoEmbedding ? { videoEmbedding } : {}),
  });
  await target.store.upsert([item]);
  target.ledger.put(item.id, task.sourceHash);
  return 'indexed';
}
