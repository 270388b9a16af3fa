import type { AdaptationConfigInput, ReadoutTask, TaskGeometry } from '@vfmkit/probes';
import { fitAdaptedTask } from '@vfmkit/probes/tfjs';
import { loadVitCheckpoint, type NamedWeights, type VitConfig } from '@vfmkit/vit-encoder';
import { type EvalClip, stackClips } from './data/task-source';
import type { ResultEntry } from './evaluate';

/** The methods that train inside the backbone. */
export type BackboneMethod = 'adapter' | 'e2e';

/** The clip size `[T, H, W]` of a task geometry. */
const clipOf = (g: TaskGeometry) => [g.frames, g.height, g.width];

/** What each backbone method runs: LoRA rank 8 on qkv (probes' default adapter), or full finetuning. */
export const BACKBONE_ADAPTATIONS: Record<BackboneMethod, AdaptationConfigInput> = {
  adapter: { method: 'adapter', kind: 'lora', rank: 8, placement: ['qkv'] },
  e2e: { method: 'e2e' },
};

/** One (task, backbone method, encoder) run: the encoder, the task's clips and the training settings. */
export interface AdaptedRun {
  readonly task: ReadoutTask<EvalClip, unknown, unknown>;
  readonly method: BackboneMethod;
  /** Encoder name (for the row) and the vit-encoder `.safetensors` checkpoint to train from. */
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
 * Runs the `adapter` and `e2e` methods on a task's clips through probes' `fitAdaptedTask` (each
 * checkpoint read once) and turns the result into a report row.
 */
export class AdaptedRunner {
  private readonly checkpoints = new Map<string, { config: VitConfig; weights: NamedWeights }>();

  async run(r: AdaptedRun): Promise<ResultEntry> {
    if (!r.source.endsWith('.safetensors'))
      return {
        task: r.task.name,
        method: r.method,
        encoder: r.encoder,
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
    const clip = clipOf(r.geometry);
    const fit = fitAdaptedTask(
      r.task,
      r.geometry,
      ckpt,
      { clips: stackClips(r.train, clip), samples: r.train },
      { clips: stackClips(r.test, clip), samples: r.test },
      { adaptation: BACKBONE_ADAPTATIONS[r.method], steps: r.steps, batchSize: r.batchSize, lr: r.lr },
      r.seed,
    );
    return {
      task: r.task.name,
      method: r.method,
      encoder: r.encoder,
      metrics: fit.table,
      score: Number.isFinite(fit.score) ? fit.score : null,
      trainableParams: fit.trainableParams,
      trainableGflops: fit.cost.trainableGflops,
      inferenceGflops: fit.cost.inferenceGflops,
      trainSeconds: fit.trainSeconds,
    };
  }
}
