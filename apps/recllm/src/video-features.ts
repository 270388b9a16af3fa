import { existsSync } from 'node:fs';
import { exactCosineSearch } from '@vfmkit/recllm';
import Database from 'better-sqlite3';

/**
 * Video features by item id (`[D]` float32, one model per folder): the pooled output of the video
 * encoder that `index --encoder` ran. SQLite (WAL) in the data folder, written by every worker.
 * They serve video-to-video similarity ("more like this"); they are not fused into text retrieval,
 * because a video-only encoder shares no space with the text query embedding.
 */
export class VideoFeatureStore {
  private readonly db: Database.Database;

  constructor(
    readonly path: string,
    options: { readonly?: boolean } = {},
  ) {
    this.db = new Database(path, { timeout: 10_000, readonly: options.readonly ?? false });
    if (!options.readonly) {
      this.db.pragma('journal_mode = WAL');
      this.db.exec(
        'CREATE TABLE IF NOT EXISTS features (id TEXT PRIMARY KEY, model TEXT NOT NULL, vec BLOB NOT NULL)',
      );
    }
  }

  /** Opens the store read-only when its file exists; `undefined` otherwise. */
  static openIfExists(path: string): VideoFeatureStore | undefined {
    return existsSync(path) ? new VideoFeatureStore(path, { readonly: true }) : undefined;
  }

  put(id: string, model: string, vector: Float32Array): void {
    this.db
      .prepare(
        'INSERT INTO features (id, model, vec) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET model = excluded.model, vec = excluded.vec',
      )
      .run(id, model, Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength));
  }

  get(id: string): { model: string; vector: Float32Array } | undefined {
    const row = this.db.prepare('SELECT model, vec FROM features WHERE id = ?').get(id) as
      | { model: string; vec: Buffer }
      | undefined;
    return row && { model: row.model, vector: toF32(row.vec) };
  }

  /**
   * The `k` items whose features are most cosine-similar to `id`'s (itself excluded), among those
   * `accept` keeps; `undefined` when `id` has no features.
   */
  similar(
    id: string,
    k: number,
    accept: (id: string) => boolean = () => true,
  ): { id: string; score: number }[] | undefined {
    const rows = this.db.prepare('SELECT id, model, vec FROM features').all() as {
      id: string;
      model: string;
      vec: Buffer;
    }[];
    const self = rows.find((r) => r.id === id);
    if (!self) return undefined;
    const pool = rows.filter((r) => r.model === self.model);
    const hits = exactCosineSearch(
      pool.map((r) => toF32(r.vec)),
      toF32(self.vec),
      k,
      (i) => pool[i].id !== id && accept(pool[i].id),
    );
    return hits.map((h) => ({ id: pool[h.index].id, score: h.score }));
  }

  close(): void {
    this.db.close();
  }
}

function toF32(b: Buffer): Float32Array {
  const copy = new Uint8Array(b.byteLength);
  copy.set(b);
  return new Float32Array(copy.buffer);
}
