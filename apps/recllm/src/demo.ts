import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { type Embedder, generateCorpus, type Item, renderSyntheticClip } from '@vfmkit/recllm';
import { dataPaths, openCorpus } from './app-context';
import { writeThumbnails } from './media';

/** Options of {@link runDemo}. */
export interface DemoOptions {
  dataDir: string;
  /** Synthetic items (default 2,000). */
  items?: number;
  /** Items whose synth4d clip is rendered into a PNG thumbnail and a GIF preview (default 100). */
  clips?: number;
  seed?: number;
  /** The corpus embedder (default: the hashing embedder), e.g. `--embedder`'s video-text model. */
  embedder?: Embedder;
  log?: (line: string) => void;
}

/**
 * Builds the demo corpus in `dataDir`: `items` synthetic items (recllm's `generateCorpus`), the first
 * `clips` of them rendered with synth4d into `media/<id>.png` + `media/<id>.gif`, all upserted into the
 * LanceDB store. Idempotent: a second run renders and writes nothing new.
 * @returns the items and what the upsert did.
 */
export async function runDemo(
  options: DemoOptions,
): Promise<{ items: Item[]; inserted: number; unchanged: number; rendered: number }> {
  const log = options.log ?? (() => {});
  const count = options.items ?? 2000;
  const clips = Math.min(options.clips ?? 100, count);
  const media = dataPaths(options.dataDir).media;
  const t0 = performance.now();
  const items = generateCorpus({ count, seed: options.seed ?? 0 });
  let rendered = 0;
  for (let i = 0; i < clips; i++) {
    const item = items[i];
    const png = `${item.id}.png`;
    if (!existsSync(join(media, png)) || !existsSync(join(media, `${item.id}.gif`))) {
      writeThumbnails(media, item.id, renderSyntheticClip(item));
      rendered++;
    }
    items[i] = { ...item, media: { ...item.media, thumbnailPath: png } };
  }
  log(
    `rendered ${rendered} clips (${clips - rendered} already there) in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  const store = await openCorpus(options.dataDir, options.embedder);
  try {
    const t1 = performance.now();
    const r = await store.upsert(items);
    log(
      `indexed ${count} items in ${((performance.now() - t1) / 1000).toFixed(1)} s: ${r.inserted.length} new, ${r.updated.length} updated, ${r.unchanged.length} unchanged`,
    );
    return { items, inserted: r.inserted.length, unchanged: r.unchanged.length, rendered };
  } finally {
    await store.close();
  }
}
