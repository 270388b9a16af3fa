/**
 * The model module of the `lvmae` recipe (imported by path in data-parallel workers): an
 * {@link MaeModel} whose decoder predicts the tokenizer's ids of the selected tokens (or their pixels).
 */
import type { ClipBatch } from '@vfmkit/core';
import { initBackend, type TrainableModel, type tf } from '@vfmkit/nn';
import type { MaeDecoderConfigInput, VitConfigInput } from '@vfmkit/vit-encoder';
import { MaeModel } from '@vfmkit/vit-encoder/tfjs';

/** Everything needed to build the same LVMAE in any thread (plain JSON). */
export interface LvmaeModelSpec {
  readonly encoder: VitConfigInput;
  /** `target: 'tokens'` with the tokenizer's codebook size as `vocabSize`, or `target: 'pixels'`. */
  readonly decoder: MaeDecoderConfigInput;
  /** Seed of the initial weights (encoder `seed`, decoder `seed + 1`). */
  readonly seed: number;
}

/** A TrainableModel around {@link MaeModel}; its batch is `clips`, `visible`, `decode` and, for token targets, `tokenIds` `[B, N]`. */
export interface LvmaeTrainable extends TrainableModel {
  readonly mae: MaeModel;
}

export function createLvmaeTrainable(spec: LvmaeModelSpec): LvmaeTrainable {
  const mae = MaeModel.create(spec.encoder as never, spec.decoder, {
    encoder: spec.seed,
    decoder: spec.seed + 1,
  });
  return {
    mae,
    params: mae.allParams(),
    loss(batch: Record<string, tf.Tensor>, context: { step: number; worker: number }): tf.Scalar {
      const clips: ClipBatch = {
        data: batch.clips.dataSync() as Float32Array,
        shape: batch.clips.shape as ClipBatch['shape'],
      };
      const masks = {
        visible: batch.visible.dataSync() as Int32Array,
        decode: batch.decode.dataSync() as Int32Array,
      };
      return mae.loss(clips, masks, {
        tokenIds: batch.tokenIds ? (batch.tokenIds.dataSync() as Int32Array) : undefined,
        training: true,
        seed: context.step * 1009 + context.worker,
      });
    },
  };
}

/** Entry point for data-parallel workers. */
export async function buildModel(spec: LvmaeModelSpec): Promise<TrainableModel> {
  await initBackend();
  return createLvmaeTrainable(spec);
}
