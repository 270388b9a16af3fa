import { Rng } from '@vfmkit/core';
import {
  type AdaptationConfigInput,
  adaptBackbone,
  adaptedCost,
  ProbeHead,
  predictAdapted,
  type ReadoutTask,
  type TaskGeometry,
  trainAdapted,
} from '@vfmkit/probes';
import { loadVitCheckpoint, type NamedWeights, type VitConfig } from '@vfmkit/vit-encoder';
import { VitModel } from '@vfmkit/vit-encoder/tfjs';
import { type EvalClip, stackClips } from './data/task-source';
import type { ResultEntry } from './evaluate';

/** The methods that train inside the backbone. */
export type BackboneMethod = 'adapter' | 'e2e';

/** The clip size `[T, H, W]` of a task geometry. */
const clipOf = (g: TaskGeometry) => [g.frames, g.height, g.width];

/** What each backbone method does to the encoder: LoRA rank 8 on qkv (probes' default), or full finetuning. */
export const BACKBONE_ADAPTATIONS: Record<BackboneMethod, AdaptationConfigInput> = {
  adapter: { method: 'lora', rank: 8, targets: ['qkv'] },
  e2e: { method: 'finetune' },
};

/** The backbone's learning rate as a fraction of the head's (finetuning every weight wants a gentler step). */
const BACKBONE_LR_SCALE: Record<BackboneMethod, number> = { adapter: 1, e2e: 0.1 };

/** One (task, backbone method, encoder) run: the encoder, the task's clips and the training settings. */
export interface AdaptedRun {
  readonly task: ReadoutTask<EvalClip, unknown, unknown>;
  readonly method: BackboneMethod;
  /** Encoder name (for the row) and the path it was given as (a `.safetensors` checkpoint to train). */
  readonly encoder: string;
  readonly source: string;
  readonly geometry: TaskGeometry;
  readonly train: readonly EvalClip[];
  readonly test: readonly EvalClip[];
  readonly steps: number;
  readonly batchSize: number;
  readonly lr: number;
  readonly seed: number;
}

/**
 * Runs VideoGLUE's `adapter` and `e2e` methods on a task's clips: loads the encoder's weights from its
 * safetensors checkpoint into a tfjs `VitModel` (each checkpoint read once), adapts it (`adaptBackbone`),
 * builds the task's attentive head, trains both with `trainAdapted`, predicts the test clips with
 * `predictAdapted`, scores them with the task and costs them with `adaptedCost`. An encoder given only
 * as ONNX (run folder, `.onnx`, the random baseline) gets a row with `metrics: null` and a note.
 */
export class AdaptedRunner {
  private readonly checkpoints = new Map<string, { config: VitConfig; weights: NamedWeights }>();

  async run(r: AdaptedRun): Promise<ResultEntry> {
    const base = { task: r.task.name, method: r.method, encoder: r.encoder };
    if (!r.source.endsWith('.safetensors'))
      return {
        ...base,
        metrics: null,
        score: null,
        trainableParams: null,
        trainableGflops: null,
        inferenceGflops: null,
        trainSeconds: null,
        note: `${r.method} trains the backbone in tfjs and needs the encoder as a .safetensors checkpoint; this encoder is ONNX only`,
      };
    let ckpt = this.checkpoints.get(r.source);
    if (!ckpt) {
      ckpt = await loadVitCheckpoint(r.source);
      this.checkpoints.set(r.source, ckpt);
    }
    const rng = new Rng(r.seed);
    const model = VitModel.create(ckpt.config, ckpt.weights);
    const head = ProbeHead.create(r.task.headConfig('attentive', r.geometry, r.train), rng.fork());
    try {
      const adaptation = adaptBackbone(model, BACKBONE_ADAPTATIONS[r.method], rng.fork());
      const { targets, weights } = r.task.targetsFrom(r.train, r.geometry);
      const conditioned = head.config.conditionWidth > 0;
      const fit = trainAdapted(
        model,
        head,
        stackClips(r.train, clipOf(r.geometry)),
        targets,
        {
          loss: r.task.loss,
          steps: r.steps,
          batchSize: r.batchSize,
          lr: r.lr,
          backboneLr: r.lr * BACKBONE_LR_SCALE[r.method],
          condition: conditioned ? r.task.condition?.(r.train, r.geometry) : undefined,
          weights,
        },
        rng.fork(),
      );
      const outputs = predictAdapted(model, head, stackClips(r.test, clipOf(r.geometry)), {
        batchSize: r.batchSize,
        condition: conditioned ? r.task.condition?.(r.test, r.geometry) : undefined,
      });
      const metrics = r.task.evaluate(r.task.decode(outputs, r.test, r.geometry), r.test, r.geometry);
      const score = r.task.score(metrics);
      const cost = adaptedCost(model.config, adaptation, head);
      return {
        ...base,
        metrics: r.task.metrics(metrics),
        score: Number.isFinite(score) ? Math.min(100, Math.max(0, score)) : null,
        trainableParams: fit.trainableParams,
        trainableGflops: cost.trainableGflops,
        inferenceGflops: cost.inferenceGflops,
        trainSeconds: fit.seconds,
      };
    } finally {
      head.dispose();
      model.dispose();
    }
  }
}
