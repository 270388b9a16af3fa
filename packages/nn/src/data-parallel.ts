import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ConfigError, parseConfig, type Tensor } from '@vfmkit/core';
import { z } from 'zod';
import { AdamWConfigSchema } from './adamw';
import type { BackendName } from './backend';
import { WorkerError } from './errors';
import type { FromWorker, ParamLayout, ToWorker, WorkerInit } from './internal/dp-protocol';
import { CosineScheduleSchema } from './schedule';
import type { Batch, StepResult } from './train-step';

const OptionsSchema = z.object({
  workers: z.number().int().min(1).max(64),
  exportName: z.string().min(1).default('buildModel'),
  optimizer: AdamWConfigSchema.partial().default({}),
  schedule: CosineScheduleSchema.optional(),
  clipNorm: z.number().positive().optional(),
  backend: z.enum(['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']).optional(),
});

export interface DataParallelOptions<C> {
  /**
   * The model module (path or `file:` URL) each worker imports. It exports
   * `buildModel(config) => TrainableModel | Promise<TrainableModel>` (or `exportName`); a relative
   * path resolves against `process.cwd()`. Building must
   * not depend on the worker; worker 0's initial weights are copied to the others anyway.
   */
  readonly module: string | URL;
  /** JSON-serialisable config passed to `buildModel`. */
  readonly config: C;
  /** Number of worker threads (one tfjs backend each). */
  readonly workers: number;
  readonly exportName?: string;
  readonly optimizer?: z.input<typeof AdamWConfigSchema>;
  /** Cosine schedule by step; without one the optimizer's `lr` is used. */
  readonly schedule?: z.input<typeof CosineScheduleSchema>;
  readonly clipNorm?: number;
  readonly backend?: BackendName;
  /** Node flags for the workers (default: `--conditions=@vfmkit/source` when running from source). */
  readonly execArgv?: string[];
}

/** Resolves the worker entry next to this module: `.ts` from source (tsx/vitest), `.js` from dist. */
function workerUrl(): { url: URL; isTs: boolean } {
  const isTs = import.meta.url.endsWith('.ts');
  return {
    url: new URL(isTs ? './internal/dp-worker.ts' : './internal/dp-worker.js', import.meta.url),
    isTs,
  };
}

/**
 * Starts a worker; when TypeScript must be loaded (running from source, or a `.ts` model module), the
 * worker first registers tsx's ESM hooks and then imports the entry (`--import tsx` in a worker's
 * `execArgv` does not take effect on Node 20).
 */
function spawnWorker(url: URL, needsTsx: boolean, workerData: WorkerInit, execArgv: string[]): Worker {
  if (!needsTsx) return new Worker(url, { workerData, execArgv });
  let api: string;
  try {
    const req = createRequire(fileURLToPath(import.meta.url));
    api = pathToFileURL(join(dirname(req.resolve('tsx/package.json')), 'dist/esm/api/index.mjs')).href;
  } catch (cause) {
    throw new WorkerError(
      'loading a .ts worker or model module needs the "tsx" package (npm i -D tsx), or build to .js',
      { worker: workerData.index },
      { cause },
    );
  }
  const code = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}); });`;
  return new Worker(code, { eval: true, workerData, execArgv });
}

function toHref(module: string | URL): string {
  if (module instanceof URL) return module.href;
  if (/^[a-z]+:/i.test(module)) return module;
  return new URL(module, `file://${process.cwd()}/`).href;
}

/** Splits a batch along dim 0 into `n` contiguous shards as equal as possible (`null` when empty). */
export function shardBatch(batch: Batch, n: number): { shards: (Batch | null)[]; sizes: number[] } {
  const entries = Object.entries(batch);
  if (entries.length === 0) throw new ConfigError('batch has no entries', { key: 'batch' });
  const b = entries[0][1].shape[0];
  for (const [k, v] of entries) {
    if (v.shape[0] !== b)
      throw new ConfigError(`batch entry "${k}" has ${v.shape[0]} rows, "${entries[0][0]}" has ${b}`, {
        key: k,
      });
    if (v.data.length !== v.shape.reduce((x, y) => x * y, 1))
      throw new ConfigError(`batch entry "${k}": data length does not fill [${v.shape}]`, { key: k });
  }
  const sizes = Array.from({ length: n }, (_, i) => Math.floor(b / n) + (i < b % n ? 1 : 0));
  const shards: (Batch | null)[] = [];
  let start = 0;
  for (const size of sizes) {
    if (size === 0) {
      shards.push(null);
      continue;
    }
    const shard: Batch = {};
    for (const [k, v] of entries) {
      const row = v.data.length / b;
      shard[k] = {
        data: v.data.slice(start * row, (start + size) * row),
        shape: [size, ...v.shape.slice(1)],
      };
    }
    shards.push(shard);
    start += size;
  }
  return { shards, sizes };
}

/**
 * Data-parallel training across worker threads, each with its own tfjs backend (wasm is
 * single-threaded in Node, so this is how training uses several cores). Each step shards the batch
 * along dim 0; workers compute gradients on their shards, exchange them through shared memory, and
 * apply the same averaged (shard-size weighted) update, so the parameters after a step equal those of
 * a single-worker step on the whole batch, to fp32 rounding.
 *
 * @example
 * const dp = await DataParallel.create({ module: new URL('./model.ts', import.meta.url), config, workers: 2,
 *   optimizer: { lr: 1e-3, weightDecay: 0.05 } });
 * const { loss } = await dp.step({ x: { data, shape: [8, 16] }, y: { data: labels, shape: [8] } });
 * await dp.close();
 */
export class DataParallel {
  private generation = 0;
  private stepIndex = 0;
  private closed = false;
  /** The first failure reported while nobody was waiting; every later call rejects with it. */
  private failure: WorkerError | undefined;

  private constructor(
    private readonly workers: Worker[],
    private readonly inboxes: ((msg: FromWorker) => void)[][],
    /** Names and shapes of the model's parameters, in order. */
    readonly layout: ParamLayout,
  ) {}

  /**
   * Starts the workers, builds the model in each, and copies worker 0's weights to the others.
   * @throws ConfigError on bad options; WorkerError when a worker fails to start or build.
   */
  static async create<C>(options: DataParallelOptions<C>): Promise<DataParallel> {
    const o = parseConfig(OptionsSchema, options, 'DataParallel');
    const href = toHref(options.module);
    const { url, isTs } = workerUrl();
    const needsTsx = isTs || /\.[cm]?ts$/.test(href);
    const execArgv = options.execArgv ?? (isTs ? ['--conditions=@vfmkit/source'] : []);
    const workers: Worker[] = [];
    const inboxes: ((msg: FromWorker) => void)[][] = [];
    for (let index = 0; index < o.workers; index++) {
      const init: WorkerInit = {
        index,
        workers: o.workers,
        module: href,
        exportName: o.exportName,
        config: options.config,
        optimizer: o.optimizer,
        schedule: o.schedule,
        clipNorm: o.clipNorm,
        backend: o.backend,
      };
      const w = spawnWorker(url, needsTsx, init, execArgv);
      workers.push(w);
      inboxes.push([]);
    }
    const dp = new DataParallel(workers, inboxes, { names: [], shapes: [], statNames: [], statShapes: [] });
    workers.forEach((w, i) => {
      w.on('message', (msg: FromWorker) => dp.deliver(i, msg));
      w.on('error', (e) => dp.deliver(i, { type: 'error', message: e.message, stack: e.stack }));
      w.on('exit', (code) => {
        if (!dp.closed) dp.deliver(i, { type: 'error', message: `worker exited with code ${code}` });
      });
    });
    try {
      const ready = await Promise.all(workers.map((_, i) => dp.expect(i, 'ready')));
      const layout = ready[0].layout;
      for (let i = 1; i < ready.length; i++) {
        if (JSON.stringify(ready[i].layout) !== JSON.stringify(layout))
          throw new WorkerError('workers built different models (parameter names or shapes differ)', {
            worker: i,
          });
      }
      (dp as { layout: ParamLayout }).layout = layout;
      const count = (shapes: number[][]) => shapes.reduce((n, s) => n + s.reduce((a, b) => a * b, 1), 0);
      const total = count(layout.shapes);
      // Each worker's row: the gradients of every parameter, then the statistics its loss recorded.
      const grads = new SharedArrayBuffer(4 * (total + count(layout.statShapes)) * o.workers);
      const params = new SharedArrayBuffer(4 * total);
      const ctrl = new SharedArrayBuffer(4 * 4);
      for (const w of workers) w.postMessage({ type: 'attach', grads, params, ctrl } satisfies ToWorker);
      await Promise.all(workers.map((_, i) => dp.expect(i, 'attached')));
    } catch (e) {
      await dp.close();
      throw e;
    }
    return dp;
  }

  private deliver(i: number, msg: FromWorker): void {
    const waiter = this.inboxes[i].shift();
    if (waiter) waiter(msg);
    else if (msg.type === 'error' && !this.failure)
      this.failure = new WorkerError(`worker ${i}: ${msg.message}`, { worker: i, stack: msg.stack });
  }

  private expect<T extends FromWorker['type']>(
    i: number,
    type: T,
  ): Promise<Extract<FromWorker, { type: T }>> {
    return new Promise((resolve, reject) => {
      if (this.failure) {
        reject(this.failure);
        return;
      }
      this.inboxes[i].push((msg) => {
        if (msg.type === type) resolve(msg as Extract<FromWorker, { type: T }>);
        else if (msg.type === 'error')
          reject(new WorkerError(`worker ${i}: ${msg.message}`, { worker: i, stack: msg.stack }));
        else reject(new WorkerError(`worker ${i}: expected "${type}", got "${msg.type}"`, { worker: i }));
      });
    });
  }

  /** Number of steps taken. */
  get steps(): number {
    return this.stepIndex;
  }

  /**
   * One synchronous data-parallel step on `batch` (sharded along dim 0). `options.lr` sets this
   * step's learning rate (default: the schedule's value at this step, else the optimizer's `lr`).
   * @returns the batch loss (shard losses weighted by shard size), the gradient norm before clipping and
   *   the recorded statistics' batch means.
   */
  async step(batch: Batch, options: { lr?: number } = {}): Promise<StepResult> {
    if (this.closed) throw new WorkerError('DataParallel is closed', { worker: -1 });
    const n = this.workers.length;
    const { shards, sizes } = shardBatch(batch, n);
    const total = sizes.reduce((a, b) => a + b, 0);
    const weights = sizes.map((s) => s / total);
    this.generation += 1;
    const done = this.workers.map((_, i) => this.expect(i, 'done'));
    for (const [i, w] of this.workers.entries()) {
      const msg: ToWorker = {
        type: 'step',
        step: this.stepIndex,
        generation: this.generation,
        shard: shards[i],
        weights,
        lr: options.lr,
      };
      w.postMessage(msg);
    }
    const results = await Promise.all(done);
    this.stepIndex += 1;
    return {
      loss: results.reduce((acc, r, i) => acc + weights[i] * r.loss, 0),
      gradNorm: results[0].gradNorm,
      stats: results[0].stats,
    };
  }

  /** The current parameters (identical in every worker), as core tensors in model order. */
  async getParams(): Promise<Map<string, Tensor>> {
    const reply = this.expect(0, 'params');
    this.workers[0].postMessage({ type: 'get-params' } satisfies ToWorker);
    const { tensors } = await reply;
    const out = new Map<string, Tensor>();
    this.layout.names.forEach((name, i) => {
      out.set(name, { dtype: 'F32', shape: this.layout.shapes[i], data: tensors[name] });
    });
    return out;
  }

  /** Overwrites parameters in every worker (e.g. from a checkpoint); names must exist in the model. */
  async setParams(tensors: ReadonlyMap<string, Tensor>): Promise<void> {
    const payload: Record<string, Float32Array> = {};
    for (const [name, t] of tensors) {
      const i = this.layout.names.indexOf(name);
      if (i < 0) throw new ConfigError(`setParams: unknown parameter "${name}"`, { key: name });
      if (t.dtype !== 'F32' || JSON.stringify([...t.shape]) !== JSON.stringify(this.layout.shapes[i]))
        throw new ConfigError(`setParams: "${name}" must be F32 [${this.layout.shapes[i]}]`, { key: name });
      payload[name] = t.data as Float32Array;
    }
    const acks = this.workers.map((_, i) => this.expect(i, 'set'));
    for (const w of this.workers) w.postMessage({ type: 'set-params', tensors: payload } satisfies ToWorker);
    await Promise.all(acks);
  }

  /** The AdamW state (identical in every worker): step count and moments by name, for checkpoints. */
  async optimizerState(): Promise<{
    t: number;
    tensors: Map<string, { shape: number[]; data: Float32Array }>;
  }> {
    const reply = this.expect(0, 'optimizer');
    this.workers[0].postMessage({ type: 'get-optimizer' } satisfies ToWorker);
    const { state } = await reply;
    return { t: state.t, tensors: new Map(Object.entries(state.tensors)) };
  }

  /**
   * Restores an AdamW state in every worker (e.g. from a checkpoint) and continues the step count
   * from its `t`, so a resumed run takes the same steps as an uninterrupted one.
   */
  async setOptimizerState(state: {
    t: number;
    tensors: ReadonlyMap<string, { shape: readonly number[]; data: Float32Array }>;
  }): Promise<void> {
    const tensors: Record<string, { shape: number[]; data: Float32Array }> = {};
    for (const [k, v] of state.tensors) tensors[k] = { shape: [...v.shape], data: v.data };
    const acks = this.workers.map((_, i) => this.expect(i, 'set'));
    for (const w of this.workers)
      w.postMessage({ type: 'set-optimizer', state: { t: state.t, tensors } } satisfies ToWorker);
    await Promise.all(acks);
    this.stepIndex = state.t;
  }

  /** Stops every worker. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
