import Database from 'better-sqlite3';

/**
 * What `index` has done, by item id: the source hash (video bytes + manifest entry) of the last
 * successful indexing. SQLite (WAL, 10 s busy timeout) in the data folder, shared by every worker
 * process on that folder. An item whose id and source hash are in the ledger, and which the store
 * holds, is skipped on the next run.
 */
export class IndexLedger {
  private readonly db: Database.Database;
  private readonly getStmt: Database.Statement<[string], { source_hash: string }>;
  private readonly putStmt: Database.Statement<[string, string, string]>;

  constructor(readonly path: string) {
    this.db = new Database(path, { timeout: 10_000 });
    this.db.pragma('journal_mode = WAL');
    this.db.exec(
      'CREATE TABLE IF NOT EXISTS indexed (id TEXT PRIMARY KEY, source_hash TEXT NOT NULL, at TEXT NOT NULL)',
    );
    this.getStmt = this.db.prepare('SELECT source_hash FROM indexed WHERE id = ?');
    this.putStmt = this.db.prepare(
      'INSERT INTO indexed (id, source_hash, at) VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET source_hash = excluded.source_hash, at = excluded.at',
    );
  }

  /** The source hash recorded for `id`, if any. */
  get(id: string): string | undefined {
    return this.getStmt.get(id)?.source_hash;
  }

  /** Records that `id` was indexed from `sourceHash`. */
  put(id: string, sourceHash: string): void {
    this.putStmt.run(id, sourceHash, new Date().toISOString());
  }

  close(): void {
    this.db.close();
  }
}
