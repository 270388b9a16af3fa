import type { Embedder } from '@vfmkit/recllm';
import { type Job, Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { AppConfigError } from './errors';
import { type IndexTask, indexOne, openIndexTarget } from './indexer';

/** The BullMQ queue of indexing jobs. */
export const INDEX_QUEUE = 'vfm-recllm-index';

/** `redis://host:port[/db]` as BullMQ connection options. */
export function redisConnection(url: string): {
  host: string;
  port: number;
  db?: number;
  password?: string;
  maxRetriesPerRequest: null;
} {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new AppConfigError(`--queue must be redis://host:port, got '${url}'`, { url });
  }
  if (u.protocol !== 'redis:')
    throw new AppConfigError(`--queue must be redis://host:port, got '${url}'`, { url });
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : undefined;
  return {
    host: u.hostname || '127.0.0.1',
    port: Number(u.port || 6379),
    ...(db !== undefined && Number.isInteger(db) ? { db } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    maxRetriesPerRequest: null,
  };
}

/** A Redis client for BullMQ (`maxRetriesPerRequest: null`, as its workers need). */
export function redisClient(url: string): Redis {
  return new Redis(redisConnection(url));
}

/** The job id of a task: item id + source hash prefix, so the same work is queued once. */
export function jobId(task: IndexTask): string {
  return `${task.item.id.replaceAll(':', '_')}__${task.sourceHash.slice(0, 16)}`;
}

/** Options of {@link runWorker}. */
export interface WorkerOptions {
  dataDir: string;
  queue: string;
  concurrency?: number;
  /** A vit-encoder model for video features (see `index --encoder`). */
  encoder?: string;
  /** The corpus embedder (see `runIndex`'s `embedder`): the same as the index command's. */
  embedder?: Embedder;
  /** Lock on an active job in ms (default 30,000): a killed worker's job is retried after this. */
  lockMs?: number;
  log?: (line: string) => void;
}

/**
 * A worker process's BullMQ worker: runs indexing jobs into the data folder. A job whose worker dies
 * stays locked for `lockMs`, is then found stalled and runs again elsewhere (up to 5 times); upserts
 * are idempotent, so a job run twice writes its item once.
 */
export async function runWorker(options: WorkerOptions): Promise<{ close(): Promise<void> }> {
  const target = await openIndexTarget(options.dataDir, {
    encoderPath: options.encoder,
    embedder: options.embedder,
  });
  const log = options.log ?? ((l: string) => console.log(l));
  const lockDuration = options.lockMs ?? 30_000;
  const client = redisClient(options.queue);
  const worker = new Worker<IndexTask, string>(
    INDEX_QUEUE,
    async (job: Job<IndexTask>) => {
      const result = await indexOne(target, job.data);
      log(`${result} ${job.data.item.id} (attempt ${job.attemptsMade + 1})`);
      return result;
    },
    {
      connection: client,
      concurrency: options.concurrency ?? 1,
      lockDuration,
      stalledInterval: Math.max(500, Math.floor(lockDuration / 2)),
      maxStalledCount: 5,
    },
  );
  // connection errors (Redis restarting, not up yet): logged; ioredis reconnects by itself
  worker.on('error', (err) => log(`queue error: ${err.message}`));
  worker.on('failed', (job, err) =>
    log(`failed ${job?.data.item.id} (attempt ${job?.attemptsMade}): ${err.message}`),
  );
  await worker.waitUntilReady();
  return {
    async close() {
      await worker.close();
      client.disconnect();
      await target.close();
    },
  };
}

/** What a queued run ended with. */
export interface QueueRunResult {
  readonly completed: string[];
  /** Item ids whose jobs ended in the failed set, with the last error. */
  readonly failed: { id: string; reason: string }[];
}

/**
 * Queues the tasks as BullMQ jobs (job id = item id + source hash, so re-queuing the same work adds
 * nothing; `attempts` tries with exponential backoff from `backoffMs`) and waits until each job is
 * completed or in the failed set, reporting progress.
 */
export async function enqueueAndWait(
  queueUrl: string,
  tasks: readonly IndexTask[],
  options: {
    attempts?: number;
    backoffMs?: number;
    onProgress?: (done: number, total: number) => void;
    pollMs?: number;
  } = {},
): Promise<QueueRunResult> {
  const client = redisClient(queueUrl);
  const queue = new Queue<IndexTask>(INDEX_QUEUE, { connection: client });
  try {
    const ids = tasks.map(jobId);
    await queue.addBulk(
      tasks.map((t, i) => ({
        name: 'index',
        data: t,
        opts: {
          jobId: ids[i],
          attempts: options.attempts ?? 3,
          backoff: { type: 'exponential', delay: options.backoffMs ?? 1000 },
          removeOnComplete: false,
          removeOnFail: false,
        },
      })),
    );
    const pending = new Map(ids.map((id, i) => [id, tasks[i].item.id]));
    const completed: string[] = [];
    const failed: { id: string; reason: string }[] = [];
    while (pending.size > 0) {
      const states = await Promise.all(
        [...pending.keys()].map(async (id) => [id, await queue.getJobState(id)] as const),
      );
      for (const [id, state] of states) {
        if (state === 'completed') {
          completed.push(pending.get(id) as string);
          pending.delete(id);
        } else if (state === 'failed') {
          const job = await queue.getJob(id);
          failed.push({ id: pending.get(id) as string, reason: job?.failedReason ?? 'unknown' });
          pending.delete(id);
        }
      }
      options.onProgress?.(tasks.length - pending.size, tasks.length);
      if (pending.size > 0) await new Promise((r) => setTimeout(r, options.pollMs ?? 250));
    }
    return { completed, failed };
  } finally {
    await queue.close();
    client.disconnect();
  }
}
