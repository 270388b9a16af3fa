/**
 * The model module of the VideoPrism recipes, imported by every data-parallel worker by path (see
 * `DataParallel` in @vfmkit/nn): stage 1's or stage 2's model from @vfmkit/videoprism-distill.
 */
import type { TrainableModel } from '@vfmkit/nn';
import {
  buildContrastiveModel,
  buildDistillModel,
  type ContrastiveModelSpec,
  type DistillModelSpec,
} from '@vfmkit/videoprism-distill/tfjs';

/** Which stage, and that stage's model spec. */
export type VideoprismSpec =
  | { readonly stage: 'contrastive'; readonly model: ContrastiveModelSpec }
  | { readonly stage: 'distill'; readonly model: DistillModelSpec };

export function buildModel(spec: VideoprismSpec): Promise<TrainableModel> {
  return spec.stage === 'contrastive' ? buildContrastiveModel(spec.model) : buildDistillModel(spec.model);
}
