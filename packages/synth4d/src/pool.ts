import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ConfigError, VfmError } from '@vfmkit/core';
import type { SceneConfig } from './config';
import { renderSample, type Synth4dSample } from './sample';

/** Rendering failed inside a worker thread (or the worker died). */
export class RenderWorkerError extends VfmError {
  constructor(message: string, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super('SYNTH4D_WORKER', message, details, options);
  }
}

interface Job {
  id: number;
  config: SceneConfig;
  seed: number;
  resolve: (s: Synth4dSample) => void;
  reject: (e: unknown) => void;
}

/**
 * How to start a render worker. From `dist/` the worker is `worker.js` next to this module. From
 * source (vitest, tsx) it is `worker.ts`: Node 20 does not apply `--import tsx` hooks to a worker's own
 * entry, so a small bootstrap registers tsx's ESM loader inside the worker first, then imports it.
 */
function workerSpec(): { code: string | URL; eval: boolean; execArgv: string[] } {
  if (!import.meta.url.endsWith('.ts'))
    return { code: new URL('./worker.js', import.meta.url), eval: false, execArgv: [] };
  const entry = new URL('./worker.ts', import.meta.url).href;
  const cjs = createRequire(import.meta.url).resolve('tsx/esm/api');
  const esm = cjs.replace(/\.cjs$/, '.mjs');
  const api = pathToFileURL(existsSync(esm) ? esm : cjs).href;
  const code = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); }).catch((e) => { console.error(e); process.exit(1); });`;
  return { code, eval: true, execArgv: ['--conditions=@vfmkit/source'] };
}

/**
 * Renders samples on `workers` worker threads (0: in the calling thread). Results do not depend on
 * the number of workers: each clip is a function of its config and seed only.
 * @example
 * const pool = new RenderPool(2);
 * const [a, b] = await Promise.all([pool.render(cfg, 1), pool.render(cfg, 2)]);
 * await pool.close();
 */
export class RenderPool {
  readonly size: number;
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly queue: Job[] = [];
  private readonly running = new Map<Worker, Job>();
  private nextId = 0;
  private closed = false;

  constructor(workers = Math.max(1, availableParallelism() - 1)) {
    if (!Number.isInteger(workers) || workers < 0 || workers > 256) {
      throw new ConfigError(`workers must be an integer in [0, 256], got ${workers}`, {
        key: 'workers',
        value: workers,
      });
    }
    this.size = workers;
    const spec = workerSpec();
    for (let i = 0; i < workers; i++) {
      const w = new Worker(spec.code, { eval: spec.eval, execArgv: spec.execArgv });
      w.on('message', (msg: { id: number; sample?: Synth4dSample; error?: Record<string, unknown> }) => {
        const job = this.running.get(w);
        this.running.delete(w);
        if (job) {
          if (msg.error)
            job.reject(
              new RenderWorkerError(`render failed for seed ${job.seed}: ${msg.error.message}`, {
                seed: job.seed,
                ...msg.error,
              }),
            );
          else job.resolve(msg.sample as Synth4dSample);
        }
        this.idle.push(w);
        this.pump();
      });
      w.on('error', (error) => this.fail(w, error));
      w.on('exit', (code) => {
        if (!this.closed) this.fail(w, new Error(`worker exited with code ${code}`));
      });
      this.workers.push(w);
      this.idle.push(w);
    }
  }

  private fail(w: Worker, error: unknown): void {
    const job = this.running.get(w);
    this.running.delete(w);
    const err = new RenderWorkerError(
      `render worker failed: ${(error as Error).message}`,
      {},
      { cause: error },
    );
    if (job) job.reject(err);
    const i = this.workers.indexOf(w);
    if (i >= 0) this.workers.splice(i, 1);
    if (this.workers.length === 0) for (const q of this.queue.splice(0)) q.reject(err);
  }

  private pump(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const w = this.idle.pop()!;
      if (!this.workers.includes(w)) continue;
      const job = this.queue.shift()!;
      this.running.set(w, job);
      w.postMessage({ id: job.id, config: job.config, seed: job.seed });
    }
  }

  /** Renders one clip (see {@link renderSample}). */
  render(config: SceneConfig, seed: number): Promise<Synth4dSample> {
    if (this.closed) return Promise.reject(new RenderWorkerError('render pool is closed'));
    if (this.size === 0) {
      try {
        return Promise.resolve(renderSample(config, seed));
      } catch (error) {
        return Promise.reject(error);
      }
    }
    if (this.workers.length === 0)
      return Promise.reject(new RenderWorkerError('every render worker has failed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, config, seed, resolve, reject });
      this.pump();
    });
  }

  /** Stops the workers (pending jobs are rejected). */
  async close(): Promise<void> {
    this.closed = true;
    for (const q of this.queue.splice(0)) q.reject(new RenderWorkerError('render pool closed'));
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
