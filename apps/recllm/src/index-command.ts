import type { Embedder } from '@vfmkit/recllm';
import { IndexingError } from './errors';
import {
  alreadyIndexed,
  type IndexTask,
  indexOne,
  indexTask,
  openIndexTarget,
  readIndexManifest,
} from './indexer';
import { progressBar } from './progress';

/** Options of {@link runIndex}. */
export interface IndexOptions {
  dataDir: string;
  manifest: string;
  /** `redis://host:port`: queue the work for `vfm-recllm worker` processes instead of doing it here. */
  queue?: string;
  /** A vit-encoder model (`.onnx`, checkpoint or run folder) for video features (local runs; workers take their own `--encoder`). */
  encoder?: string;
  /**
   * The text (and video) embedder of the corpus (default: the hashing embedder). With a video tower
   * (`videoTextEmbedder`), local runs store each item's video embedding; queued work is embedded by the
   * workers, which must be given the same embedder.
   */
  embedder?: Embedder;
  attempts?: number;
  backoffMs?: number;
  progress?: boolean;
  log?: (line: string) => void;
}

/** What an index run did, by item id. */
export interface IndexResult {
  readonly indexed: string[];
  readonly skipped: string[];
  readonly failed: { id: string; reason: string }[];
}

/**
 * `vfm-recllm index`: reads the manifest, skips items already indexed with the same source hash, and
 * indexes the rest here (one at a time, `attempts` tries each) or through the queue.
 */
export async function runIndex(options: IndexOptions): Promise<IndexResult> {
  const log = options.log ?? (() => {});
  const items = readIndexManifest(options.manifest);
  const tasks = await Promise.all(items.map(indexTask));
  const target = await openIndexTarget(options.dataDir, {
    encoderPath: options.queue ? undefined : options.encoder,
    embedder: options.embedder,
  });
  const skipped: string[] = [];
  const todo: IndexTask[] = [];
  for (const t of tasks) {
    if (alreadyIndexed(target, t)) skipped.push(t.item.id);
    else todo.push(t);
  }
  log(`${tasks.length} items in the manifest: ${skipped.length} already indexed, ${todo.length} to do`);
  const bar = progressBar('indexing', process.stderr, options.progress ?? true);
  if (options.queue) {
    await target.close();
    const { enqueueAndWait } = await import('./queue');
    const r = await enqueueAndWait(options.queue, todo, {
      attempts: options.attempts,
      backoffMs: options.backoffMs,
      onProgress: (d, n) => bar.update(d, n),
    });
    bar.end();
    return { indexed: r.completed, skipped, failed: r.failed };
  }
  const indexed: string[] = [];
  const failed: { id: string; reason: string }[] = [];
  try {
    for (const [i, t] of todo.entries()) {
      let last: Error | undefined;
      for (let attempt = 0; attempt < (options.attempts ?? 3); attempt++) {
        try {
          if ((await indexOne(target, t)) === 'indexed') indexed.push(t.item.id);
          else skipped.push(t.item.id);
          last = undefined;
          break;
        } catch (e) {
          last = e as Error;
          await new Promise((r) => setTimeout(r, (options.backoffMs ?? 200) * 2 ** attempt));
        }
      }
      if (last) failed.push({ id: t.item.id, reason: last.message });
      bar.update(i + 1, todo.length);
    }
  } finally {
    bar.end();
    await target.close();
  }
  return { indexed, skipped, failed };
}

/** The CLI command: prints the summary and the failed set; exit status 1 when anything failed. */
export async function runIndexCommand(flags: IndexOptions & { attempts?: number }): Promise<number> {
  const r = await runIndex({ ...flags, log: console.log });
  console.log(
    `indexed ${r.indexed.length}, skipped ${r.skipped.length} (already indexed), failed ${r.failed.length}`,
  );
  for (const f of r.failed) console.log(`  failed ${f.id}: ${f.reason}`);
  if (r.failed.length) {
    const e = new IndexingError(`${r.failed.length} item(s) failed`, { failed: r.failed });
    console.error(`vfm-recllm: ${e.message}`);
    return 1;
  }
  return 0;
}
