/**
 * The model module of the `mae` and `mae-dual` recipes. The trainer imports it in this thread, and
 * each data-parallel worker imports it by path (see `DataParallel` in @vfmkit/nn), so it exports a
 * plain `buildModel(spec)` from JSON-serialisable data.
 */
import type { ClipBatch } from '@vfmkit/core';
import { initBackend, type TrainableModel, type tf } from '@vfmkit/nn';
import type { MaeDecoderConfigInput, VitConfigInput } from '@vfmkit/vit-encoder';
import { MaeModel } from '@vfmkit/vit-encoder/tfjs';

/** Everything needed to build the same MAE in any thread. */
export interface MaeModelSpec {
  readonly encoder: VitConfigInput;
  readonly decoder: MaeDecoderConfigInput;
  /** Seed of the initial weights (encoder uses `seed`, decoder `seed + 1`). */
  readonly seed: number;
}

/**
 * The batch an MAE step consumes, all with the batch as dim 0:
 * `clips` `[B, T, H, W, 3]` float32 in [0, 1]; `visible` `[B, K]` int32 token ids the encoder sees;
 * `decode` `[B, Kd]` int32 token ids the decoder reconstructs (the loss covers exactly these);
 * for token targets (LVMAE), `tokenIds` `[B, N]` int32, the tokenizer's id of every token.
 */
export type MaeBatchKeys = 'clips' | 'visible' | 'decode' | 'tokenIds';

/** A TrainableModel around {@link MaeModel}; also exposes the MAE itself for pictures and export. */
export interface MaeTrainable extends TrainableModel {
  readonly mae: MaeModel;
}

export function createMaeTrainable(spec: MaeModelSpec): MaeTrainable {
  const mae = MaeModel.create(spec.encoder as never, spec.decoder, {
    encoder: spec.seed,
    decoder: spec.seed + 1,
  });
  return {
    mae,
    params: mae.allParams(),
    loss(batch: Record<string, tf.Tensor>, context: { step: number; worker: number }): tf.Scalar {
      const clipsT = batch.clips;
      const clips: ClipBatch = {
        data: clipsT.dataSync() as Float32Array,
        shape: clipsT.shape as ClipBatch['shape'],
      };
      const masks = {
        visible: batch.visible.dataSync() as Int32Array,
        decode: batch.decode.dataSync() as Int32Array,
      };
      return mae.loss(clips, masks, {
        // LVMAE: the tokenizer's ids of every token, `[B, N]`, for a decoder with token targets.
        tokenIds: batch.tokenIds ? (batch.tokenIds.dataSync() as Int32Array) : undefined,
        training: true,
        seed: context.step * 1009 + context.worker,
      });
    },
  };
}

/** Entry point for data-parallel workers. */
export async function buildModel(spec: MaeModelSpec): Promise<TrainableModel> {
  await initBackend();
  return createMaeTrainable(spec);
}
