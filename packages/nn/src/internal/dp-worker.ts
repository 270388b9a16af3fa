import { parentPort, workerData } from 'node:worker_threads';
import { AdamW } from '../adamw';
import { initBackend, tf } from '../backend';
import { computeGradients, type Grads } from '../gradients';
import { cosineSchedule } from '../schedule';
import { applyUpdate, batchToTensors, runAfterStep, type TrainableModel } from '../train-step';
import { CTRL_ARRIVED, CTRL_PUBLISHED, type FromWorker, type ToWorker, type WorkerInit } from './dp-protocol';

/**
 * One data-parallel worker: its own tfjs backend and model copy. Each step it computes gradients on
 * its shard, writes them to its row of the shared gradient buffer, waits for every worker, reduces
 * all rows in the same order (so every worker gets bit-identical averages), and applies the same
 * optimizer update: parameters stay identical across workers without being sent around.
 */
const init = workerData as WorkerInit;
const port = parentPort;
if (!port) throw new Error('dp-worker must run in a worker thread');
const send = (msg: FromWorker) => port.postMessage(msg);

let model: TrainableModel;
let optimizer: AdamW;
let names: string[] = [];
const offsets: number[] = [];
const sizes: number[] = [];
/** Parameter values; each gradient row holds them, then the declared statistics. */
let total = 0;
let statNames: string[] = [];
const statOffsets: number[] = [];
const statShapes: number[][] = [];
let rowSize = 0;
let gradRows: Float32Array;
let paramsView: Float32Array;
let ctrl: Int32Array;
const lrAt = init.schedule ? cosineSchedule(init.schedule) : undefined;

async function start(): Promise<void> {
  await initBackend({ backend: init.backend, log: init.index === 0 ? undefined : null });
  const mod = (await import(init.module)) as Record<string, unknown>;
  const build = mod[init.exportName];
  if (typeof build !== 'function')
    throw new Error(`module ${init.module} does not export a function "${init.exportName}"`);
  model = await (build as (c: unknown) => TrainableModel | Promise<TrainableModel>)(init.config);
  optimizer = new AdamW(model.params, init.optimizer);
  names = [...model.params.keys()];
  const shapes = names.map((n) => [...(model.params.get(n) as tf.Variable).shape]);
  for (const s of shapes) {
    offsets.push(total);
    const n = s.reduce((a, b) => a * b, 1);
    sizes.push(n);
    total += n;
  }
  rowSize = total;
  const declared = model.stats ?? {};
  statNames = Object.keys(declared);
  for (const name of statNames) {
    const shape = [...declared[name]];
    statShapes.push(shape);
    statOffsets.push(rowSize);
    rowSize += shape.reduce((a, b) => a * b, 1);
  }
  send({ type: 'ready', layout: { names, shapes, statNames, statShapes } });
}

async function writeParams(): Promise<void> {
  for (let i = 0; i < names.length; i++)
    paramsView.set((await (model.params.get(names[i]) as tf.Variable).data()) as Float32Array, offsets[i]);
}

function readParams(): void {
  for (let i = 0; i < names.length; i++) {
    const v = model.params.get(names[i]) as tf.Variable;
    tf.tidy(() => v.assign(tf.tensor(paramsView.subarray(offsets[i], offsets[i] + sizes[i]), v.shape)));
  }
}

async function step(msg: Extract<ToWorker, { type: 'step' }>): Promise<void> {
  const row = gradRows.subarray(init.index * rowSize, (init.index + 1) * rowSize);
  row.fill(0);
  let loss = 0;
  if (msg.shard) {
    const tensors = batchToTensors(msg.shard);
    const recorded = new Set<string>();
    // Statistics are written unweighted here; the reduce below weights rows by shard size.
    const record = (name: string, value: tf.Tensor) => {
      const k = statNames.indexOf(name);
      if (k < 0) throw new Error(`loss() recorded "${name}", which the model does not declare in stats`);
      const size = statShapes[k].reduce((a, b) => a * b, 1);
      if (value.size !== size) throw new Error(`stat "${name}" has ${value.size} values, declared ${size}`);
      row.set(value.dataSync() as Float32Array, statOffsets[k]);
      recorded.add(name);
    };
    try {
      const out = computeGradients(
        model.params,
        () => model.loss(tensors, { step: msg.step, worker: init.index, record }),
        { zerosForUnused: true },
      );
      loss = out.loss.arraySync() as number;
      out.loss.dispose();
      for (let i = 0; i < names.length; i++) {
        const g = out.grads.get(names[i]);
        if (g) row.set((await g.data()) as Float32Array, offsets[i]);
        g?.dispose();
      }
    } finally {
      for (const t of Object.values(tensors)) t.dispose();
    }
  }
  // Barrier: wait until every worker has written its row for this generation.
  Atomics.add(ctrl, CTRL_ARRIVED, 1);
  Atomics.notify(ctrl, CTRL_ARRIVED);
  const target = msg.generation * init.workers;
  for (let seen = Atomics.load(ctrl, CTRL_ARRIVED); seen < target; seen = Atomics.load(ctrl, CTRL_ARRIVED))
    Atomics.wait(ctrl, CTRL_ARRIVED, seen);
  // Weighted reduce in a fixed order, identical in every worker.
  const avg = new Float32Array(rowSize);
  for (let w = 0; w < init.workers; w++) {
    const weight = msg.weights[w];
    if (weight === 0) continue;
    const src = gradRows.subarray(w * rowSize, (w + 1) * rowSize);
    if (weight === 1) for (let j = 0; j < rowSize; j++) avg[j] += src[j];
    else for (let j = 0; j < rowSize; j++) avg[j] += weight * src[j];
  }
  const grads: Grads = new Map();
  for (let i = 0; i < names.length; i++) {
    const v = model.params.get(names[i]) as tf.Variable;
    if (v.trainable) grads.set(names[i], tf.tensor(avg.subarray(offsets[i], offsets[i] + sizes[i]), v.shape));
  }
  const gradNorm = applyUpdate(optimizer, grads, {
    lr: msg.lr ?? (lrAt ? lrAt(msg.step) : undefined),
    clipNorm: init.clipNorm,
  });
  const stats = new Map<string, tf.Tensor>();
  for (const [k, name] of statNames.entries()) {
    const size = statShapes[k].reduce((a, b) => a * b, 1);
    stats.set(name, tf.tensor(avg.slice(statOffsets[k], statOffsets[k] + size), statShapes[k]));
  }
  const values = runAfterStep(model, msg.step + 1, stats);
  send({ type: 'done', loss, gradNorm, stats: values });
}

async function handle(msg: ToWorker): Promise<void> {
  switch (msg.type) {
    case 'attach': {
      gradRows = new Float32Array(msg.grads);
      paramsView = new Float32Array(msg.params);
      ctrl = new Int32Array(msg.ctrl);
      if (init.index === 0) {
        await writeParams();
        Atomics.store(ctrl, CTRL_PUBLISHED, 1);
        Atomics.notify(ctrl, CTRL_PUBLISHED);
      } else {
        Atomics.wait(ctrl, CTRL_PUBLISHED, 0);
        readParams();
      }
      send({ type: 'attached' });
      return;
    }
    case 'step':
      return step(msg);
    case 'get-params': {
      const tensors: Record<string, Float32Array> = {};
      for (const n of names)
        tensors[n] = ((await (model.params.get(n) as tf.Variable).data()) as Float32Array).slice();
      send({ type: 'params', tensors });
      return;
    }
    case 'set-params': {
      for (const [n, data] of Object.entries(msg.tensors)) {
        const v = model.params.get(n) as tf.Variable;
        tf.tidy(() => v.assign(tf.tensor(data, v.shape)));
      }
      send({ type: 'set' });
      return;
    }
    case 'get-optimizer': {
      const { t, tensors } = await optimizer.state();
      send({ type: 'optimizer', state: { t, tensors: Object.fromEntries(tensors) } });
      return;
    }
    case 'set-optimizer': {
      optimizer.setState({ t: msg.state.t, tensors: new Map(Object.entries(msg.state.tensors)) });
      send({ type: 'set' });
      return;
    }
  }
}

const fail = (e: unknown) => {
  const err = e instanceof Error ? e : new Error(String(e));
  send({ type: 'error', message: err.message, stack: err.stack });
};
let queue = Promise.resolve();
port.on('message', (msg: ToWorker) => {
  queue = queue.then(() => handle(msg)).catch(fail);
});
start().catch(fail);
