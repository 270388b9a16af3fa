import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  DialogueManager,
  type Embedder,
  HashingEmbedder,
  type Logger,
  type Policy,
  type Ranker,
  type RetrievalMode,
  SqliteSessionStore,
} from '@vfmkit/recllm';
import { CorpusStore } from '@vfmkit/recllm/lancedb';

/** Where an app data folder keeps things: `corpus/` (LanceDB), `sessions.db` (SQLite), `media/` (thumbnails). */
export function dataPaths(dataDir: string): { corpus: string; sessions: string; media: string } {
  return {
    corpus: join(dataDir, 'corpus'),
    sessions: join(dataDir, 'sessions.db'),
    media: join(dataDir, 'media'),
  };
}

/** The default text embedder of the app: recllm's hashing embedder (lexical, offline, no model). */
export function defaultEmbedder(): Embedder {
  return new HashingEmbedder();
}

/** Opens the corpus store of a data folder. */
export function openCorpus(dataDir: string, embedder: Embedder = defaultEmbedder()): Promise<CorpusStore> {
  return CorpusStore.open({ dir: dataPaths(dataDir).corpus, embedder });
}

/** Everything a serving process holds open. */
export interface AppContext {
  readonly dataDir: string;
  readonly mediaDir: string;
  readonly store: CorpusStore;
  readonly sessions: SqliteSessionStore;
  readonly manager: DialogueManager;
  close(): Promise<void>;
}

/** Options of {@link openApp}. */
export interface OpenAppOptions {
  embedder?: Embedder;
  policy?: Policy;
  ranker?: Ranker;
  /** Recommendations per turn (default 5). */
  k?: number;
  mode?: RetrievalMode;
  logger?: Logger;
}

/** Opens a data folder for serving: corpus, SQLite sessions and profiles, and a dialogue manager. */
export async function openApp(dataDir: string, options: OpenAppOptions = {}): Promise<AppContext> {
  const paths = dataPaths(dataDir);
  mkdirSync(paths.media, { recursive: true });
  const store = await openCorpus(dataDir, options.embedder);
  const sessions = new SqliteSessionStore(paths.sessions);
  const manager = new DialogueManager({
    store,
    sessions,
    policy: options.policy,
    ranker: options.ranker,
    k: options.k ?? 5,
    mode: options.mode ?? 'hybrid',
    logger: options.logger,
  });
  return {
    dataDir,
    mediaDir: paths.media,
    store,
    sessions,
    manager,
    async close() {
      sessions.close();
      await store.close();
    },
  };
}
