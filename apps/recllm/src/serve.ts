import type { Embedder, Logger, RetrievalMode } from '@vfmkit/recllm';
import type { FastifyInstance } from 'fastify';
import { type AppContext, openApp } from './app-context';
import { featuresPath } from './indexer';
import { checkLlmFlags, type LlmFlags, policyFromFlags } from './llm';
import { buildServer } from './server';

/** Options of {@link startServer}. */
export interface StartServerOptions extends LlmFlags {
  dataDir: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  adminToken?: string;
  k?: number;
  mode?: RetrievalMode;
  /** The corpus's embedder (default: the hashing embedder); the one the corpus was built with. */
  embedder?: Embedder;
  logger?: Logger;
  log?: boolean;
}

/** A running server: its URL, the fastify instance and the open data folder. */
export interface RunningServer {
  readonly url: string;
  readonly app: FastifyInstance;
  readonly context: AppContext;
  close(): Promise<void>;
}

/** Opens a data folder and serves the API and the page on `host:port` (default 127.0.0.1:8080). */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  checkLlmFlags(options); // before the data folder is opened (and created)
  const logger = options.logger ?? (() => {});
  // The LLM ranker needs the corpus vocabulary: open the store first, then the manager with the policy.
  const base = { k: options.k, mode: options.mode, embedder: options.embedder, logger };
  const probe = await openApp(options.dataDir, base);
  let context = probe;
  const llm = policyFromFlags(options, probe.store, logger);
  if (llm.policy) {
    await probe.close();
    context = await openApp(options.dataDir, { ...llm, ...base });
  }
  const app = buildServer({
    manager: context.manager,
    store: context.store,
    sessions: context.sessions,
    mediaDir: context.mediaDir,
    featuresPath: featuresPath(options.dataDir),
    adminToken: options.adminToken,
    log: options.log,
  });
  const address = await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 8080 });
  return {
    url: address,
    app,
    context,
    async close() {
      await app.close();
      await context.close();
    },
  };
}
