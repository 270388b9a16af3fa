/**
 * vfm-recllm <serve|demo|chat|index|worker> [flags]
 *
 *   vfm-recllm demo                                   # synthetic corpus, indexed, served on localhost
 *   vfm-recllm serve --data ./recllm-data --port 8080 --admin-token secret
 *   vfm-recllm chat --data ./recllm-data [--llm http://localhost:11434/v1 --model qwen2.5:7b | --gguf m.gguf]
 *   vfm-recllm index manifest.json --data ./recllm-data [--queue redis://127.0.0.1:6379]
 *   vfm-recllm worker --data ./recllm-data --queue redis://127.0.0.1:6379
 */
import { parseArgs } from 'node:util';
import { VfmError } from '@vfmkit/core';
import { RETRIEVAL_MODES, type RetrievalMode } from '@vfmkit/recllm';
import { AppConfigError } from './errors';

const USAGE = `usage: vfm-recllm <command> [flags]

commands:
  demo     generate a synthetic corpus (--items 2000, --clips 100), index it and serve it
  serve    serve the API and the web page for a data folder
  chat     chat in the terminal (rule policy unless --llm or --gguf)
  index    index the videos of a manifest (JSON list of items with media.clipPath); --queue fans out to workers
  worker   run indexing jobs from a --queue

common flags:
  --data DIR            data folder (default ./recllm-data): corpus/, sessions.db, media/
  --host H --port N     where serve/demo listen (default 127.0.0.1:8080; 0 = any free port)
  --admin-token T       bearer token of the corpus admin API (default $RECLLM_ADMIN_TOKEN)
  --llm URL --model M   an OpenAI-compatible server for the policy and ranker ($OPENAI_API_KEY is sent)
  --gguf PATH           a local GGUF model instead
  --embedder DIR        embed videos and queries with a video-text model (a vfm-train videoprism run
                        folder or its videoprism/ folder) instead of the hashing embedder; index, worker,
                        serve and chat of one data folder must all use the same one
  --k N                 recommendations per turn (default 5)
  --mode M              retrieval: dense | lexical | hybrid (default hybrid)

index and worker:
  --queue redis://H:P   fan the work out as BullMQ jobs (index) / take jobs from it (worker)
  --attempts N          tries per item, with exponential backoff from --backoff-ms (default 3, 1000)
  --lock-ms N           worker job lock: a killed worker's job runs again after this (default 30000)
  --concurrency N       jobs a worker runs at once (default 1)
  --encoder PATH        a vit-encoder model (.onnx, checkpoint, run folder): store video features for 'similar'
  --no-progress         no progress bar`;

const FLAGS = {
  data: { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string' },
  'admin-token': { type: 'string' },
  llm: { type: 'string' },
  model: { type: 'string' },
  gguf: { type: 'string' },
  k: { type: 'string' },
  mode: { type: 'string' },
  items: { type: 'string' },
  clips: { type: 'string' },
  seed: { type: 'string' },
  user: { type: 'string' },
  queue: { type: 'string' },
  encoder: { type: 'string' },
  embedder: { type: 'string' },
  'lock-ms': { type: 'string' },
  'backoff-ms': { type: 'string' },
  concurrency: { type: 'string' },
  attempts: { type: 'string' },
  'no-serve': { type: 'boolean' },
  'no-progress': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Parsed flags of every command. */
export type CliFlags = ReturnType<typeof parseCli>['flags'];

function int(flags: Record<string, unknown>, key: string, fallback: number, min = 0): number {
  const v = flags[key];
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min)
    throw new AppConfigError(`--${key} must be an integer >= ${min}, got '${v}'`, { key });
  return n;
}

/** Parses the command line. @throws AppConfigError on unknown flags or bad values. */
export function parseCli(argv: readonly string[]) {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof FLAGS; allowPositionals: true; strict: true }>>;
  try {
    parsed = parseArgs({ args: [...argv], options: FLAGS, allowPositionals: true, strict: true });
  } catch (e) {
    throw new AppConfigError((e as Error).message);
  }
  const [command, ...positionals] = parsed.positionals;
  const v = parsed.values;
  const mode = (v.mode ?? 'hybrid') as RetrievalMode;
  if (!RETRIEVAL_MODES.includes(mode))
    throw new AppConfigError(`--mode must be one of ${RETRIEVAL_MODES.join(', ')}, got '${v.mode}'`);
  return {
    command,
    positionals,
    flags: {
      dataDir: v.data ?? './recllm-data',
      host: v.host ?? '127.0.0.1',
      port: int(v, 'port', 8080),
      adminToken: v['admin-token'] ?? process.env.RECLLM_ADMIN_TOKEN,
      llm: v.llm,
      model: v.model,
      gguf: v.gguf,
      k: int(v, 'k', 5, 1),
      mode,
      items: int(v, 'items', 2000, 1),
      clips: int(v, 'clips', 100),
      seed: int(v, 'seed', 0),
      user: v.user ?? process.env.USER ?? 'cli-user',
      queue: v.queue,
      encoder: v.encoder,
      embedderDir: v.embedder,
      lockMs: int(v, 'lock-ms', 30_000, 100),
      backoffMs: int(v, 'backoff-ms', 1000),
      concurrency: int(v, 'concurrency', 1, 1),
      attempts: int(v, 'attempts', 3, 1),
      serve: !v['no-serve'],
      progress: !v['no-progress'],
      help: v.help ?? false,
    },
  };
}

/** Resolves when SIGINT or SIGTERM arrives. */
function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
}

export async function main(argv: readonly string[]): Promise<number> {
  try {
    const { command, positionals, flags } = parseCli(argv);
    if (!command || flags.help) {
      console.log(USAGE);
      return command || flags.help ? 0 : 2;
    }
    // a bad model flag fails before any command opens or writes its data folder
    if (command === 'serve' || command === 'demo' || command === 'chat') {
      const { checkLlmFlags } = await import('./llm');
      checkLlmFlags(flags);
    }
    const embedder = flags.embedderDir
      ? await (await import('./video-text')).openVideoTextEmbedder(flags.embedderDir)
      : undefined;
    if (command === 'serve') {
      const { startServer } = await import('./serve');
      const server = await startServer({
        ...flags,
        embedder,
        logger: (e) => console.error(JSON.stringify(e)),
      });
      console.log(`listening on ${server.url} (${server.context.store.size} items)`);
      await untilSignal();
      await server.close();
      return 0;
    }
    if (command === 'demo') {
      const { runDemo } = await import('./demo');
      const { startServer } = await import('./serve');
      await runDemo({
        dataDir: flags.dataDir,
        items: flags.items,
        clips: flags.clips,
        seed: flags.seed,
        embedder,
        log: console.log,
      });
      if (!flags.serve) return 0;
      const server = await startServer({ ...flags, embedder });
      console.log(`listening on ${server.url} (${server.context.store.size} items): open it in a browser`);
      await untilSignal();
      await server.close();
      return 0;
    }
    if (command === 'chat') {
      const { runChat } = await import('./chat');
      return await runChat({ ...flags, embedder, input: process.stdin, output: process.stdout });
    }
    if (command === 'index') {
      const [manifest] = positionals;
      if (!manifest) throw new AppConfigError('index needs a manifest: vfm-recllm index <manifest.json>');
      const { runIndexCommand } = await import('./index-command');
      return await runIndexCommand({ ...flags, manifest, embedder });
    }
    if (command === 'worker') {
      if (!flags.queue) throw new AppConfigError('worker needs --queue redis://host:port');
      const { runWorker } = await import('./queue');
      const worker = await runWorker({
        dataDir: flags.dataDir,
        queue: flags.queue,
        concurrency: flags.concurrency,
        lockMs: flags.lockMs,
        encoder: flags.encoder,
        embedder,
      });
      console.log(`worker ready on ${flags.queue}`);
      await untilSignal();
      await worker.close();
      return 0;
    }
    throw new AppConfigError(`unknown command '${command}'\n${USAGE}`);
  } catch (error) {
    if (error instanceof VfmError) {
      console.error(`vfm-recllm: ${error.message}`);
      return 2;
    }
    throw error;
  }
}
