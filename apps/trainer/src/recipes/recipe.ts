import type { Rng } from '@vfmkit/core';
import type { Batch, TrainableModel } from '@vfmkit/nn';
import type { NamedWeights, VitConfig } from '@vfmkit/vit-encoder';
import type { TrainConfig, TrainConfigInput } from '../config/schema';
import type { ClipSource, SourceClip } from '../data/clip-source';

/**
 * A pretraining method as a module the recipe-agnostic loop (`train()`) drives. The loop owns steps,
 * schedules, checkpoints, resume, signals, logs and the loss curve; a recipe owns everything of its
 * method:
 * - `spec` + `modelModule` + `createModel`: the model, built from JSON-serialisable data in this
 *   thread and in every data-parallel worker (the module exports `buildModel(spec)`);
 * - `batch`: how raw clips become one step's {@link Batch} (views, masks, targets);
 * - `watch` and `evaluate`: what gets logged besides the loss (step statistics, held-out metrics);
 * - `pictures`: PNG files written at the end of a finished run;
 * - `encoder` and `artifacts`: what gets exported. A recipe that trains a ViT encoder returns it from
 *   `encoder` (written as `encoder.safetensors` at every checkpoint, exported to `encoder.onnx` at the
 *   end); other models write their own files through `artifacts`.
 */
export interface Recipe<Spec = unknown, Model extends TrainableModel = TrainableModel> {
  /** The `vfm-train <name>` verb. */
  readonly name: string;
  /** One line for `--help`. */
  readonly summary: string;
  /** Built-in defaults (apps/trainer/configs/<name>.ts). */
  readonly defaults: TrainConfigInput;
  /** Module exporting `buildModel(spec): Promise<TrainableModel>` (loaded by data-parallel workers). */
  readonly modelModule: URL;
  /** The model's construction data, JSON-serialisable (it crosses into workers). */
  spec(config: TrainConfig): Spec;
  createModel(spec: Spec): Model;
  /**
   * One training batch from `clips` (each `[T, H, W, 3]` in [0, 1]); all randomness from `rng`,
   * which is derived from `(config.seed, step)` so a resumed run draws the same batches.
   */
  batch(clips: readonly SourceClip[], config: TrainConfig, rng: Rng): Batch;
  /**
   * Runs once before `spec`, with the training data open: for state the model's construction needs
   * from the data, written into the run folder (e.g. a text vocabulary trained on the captions). On
   * resume the files are already there and must be kept as they are.
   */
  prepare?(config: TrainConfig, source: ClipSource): Promise<void>;
  /**
   * Reads a step's recorded statistics (batch means, by name) and returns a warning to log, e.g. a
   * representation collapse, or null.
   */
  watch?(
    stats: Readonly<Record<string, number[]>>,
    config: TrainConfig,
  ): { event: string; message: string } | null;
  /** PNG pictures by file name, e.g. `{ 'reconstruction.png': bytes }`. */
  pictures?(model: Model, config: TrainConfig, source: ClipSource): Promise<Record<string, Uint8Array>>;
  /** The ViT encoder's config and current weights, for recipes that train one. */
  encoder?(model: Model, config: TrainConfig): Promise<{ config: VitConfig; weights: NamedWeights }>;
  /**
   * Files by name, written atomically into the run folder: at every checkpoint (`'checkpoint'`), and
   * at the end of a finished run with `exportOnnx` (`'export'`).
   */
  artifacts?(
    model: Model,
    config: TrainConfig,
    when: 'checkpoint' | 'export',
  ): Promise<Record<string, Uint8Array>>;
  /** Metrics on held-out clips, logged as an `eval` event at every checkpoint. */
  evaluate?(model: Model, config: TrainConfig, heldOut: ClipSource): Promise<Record<string, number>>;
  /** Frees the model's tensors. */
  dispose(model: Model): void;
}
