import type { AdamWConfig } from '../adamw';
import type { BackendName } from '../backend';
import type { CosineScheduleConfig } from '../schedule';
import type { Batch } from '../train-step';

/** What each data-parallel worker is started with. */
export interface WorkerInit {
  readonly index: number;
  readonly workers: number;
  readonly module: string;
  readonly exportName: string;
  readonly config: unknown;
  readonly optimizer: AdamWConfig;
  readonly schedule?: CosineScheduleConfig;
  readonly clipNorm?: number;
  readonly backend?: BackendName;
}

export interface ParamLayout {
  readonly names: string[];
  readonly shapes: number[][];
  /** Batch statistics the model records (`TrainableModel.stats`), averaged like gradients. */
  readonly statNames: string[];
  readonly statShapes: number[][];
}

/** Control words in the shared Int32Array. */
export const CTRL_ARRIVED = 0;
export const CTRL_PUBLISHED = 1;

export type ToWorker =
  | { type: 'attach'; grads: SharedArrayBuffer; params: SharedArrayBuffer; ctrl: SharedArrayBuffer }
  | { type: 'step'; step: number; generation: number; shard: Batch | null; weights: number[]; lr?: number }
  | { type: 'get-params' }
  | { type: 'set-params'; tensors: Record<string, Float32Array> }
  | { type: 'get-optimizer' }
  | { type: 'set-optimizer'; state: OptimizerStateMessage };

/** AdamW state as it crosses threads (see `AdamW.state()`). */
export interface OptimizerStateMessage {
  readonly t: number;
  readonly tensors: Record<string, { shape: number[]; data: Float32Array }>;
}

export type FromWorker =
  | { type: 'ready'; layout: ParamLayout }
  | { type: 'attached' }
  | { type: 'done'; loss: number; gradNorm: number; stats: Record<string, number[]> }
  | { type: 'params'; tensors: Record<string, Float32Array> }
  | { type: 'set' }
  | { type: 'optimizer'; state: OptimizerStateMessage }
  | { type: 'error'; message: string; stack?: string };
