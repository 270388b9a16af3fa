import { createHash } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { type Item, type ItemInput, itemSchema, parseItem } from '@vfmkit/recllm';
import type { CorpusStore } from '@vfmkit/recllm/lancedb';
import { decodeClip, probeVideo, uniformIndices } from '@vfmkit/video';
import { z } from 'zod';
import { dataPaths, openCorpus } from './app-context';
import { AppConfigError } from './errors';
import { IndexLedger } from './ledger';
import { writeThumbnails } from './media';

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

/** A worker's view of a data folder: the store, the ledger, the media folder. */
export interface IndexTarget {
  readonly store: CorpusStore;
  readonly ledger: IndexLedger;
  readonly mediaDir: string;
  close(): Promise<void>;
}

/** Opens a data folder for indexing. */
export async function openIndexTarget(dataDir: string): Promise<IndexTarget> {
  const paths = dataPaths(dataDir);
  const store = await openCorpus(dataDir);
  const ledger = new IndexLedger(join(dataDir, 'index-ledger.db'));
  return {
    store,
    ledger,
    mediaDir: paths.media,
    async close() {
      ledger.close();
      await store.close();
    },
  };
}

/** Whether the task is already done: same source hash in the ledger and the item in the store. */
export function alreadyIndexed(target: IndexTarget, task: IndexTask): boolean {
  return target.ledger.get(task.item.id) === task.sourceHash && target.store.get(task.item.id) !== undefined;
}

/**
 * Indexes one video: probes and decodes {@link PREVIEW_FRAMES} frames spread over it (@vfmkit/video,
 * resized to {@link THUMB_WIDTH} wide), writes `<id>.png` (first frame) and `<id>.gif`, upserts the
 * item with `media.thumbnailPath` (idempotent: id + content hash), then records it in the ledger.
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
  const item: Item = parseItem({ ...task.item, media: { ...task.item.media, thumbnailPath: png } });
  await target.store.upsert([item]);
  target.ledger.put(item.id, task.sourceHash);
  return 'indexed';
}
