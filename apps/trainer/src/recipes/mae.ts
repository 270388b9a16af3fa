/**
 * The `mae` and `mae-dual` recipes: VideoMAE (tube masking, per-patch normalised pixel targets, every
 * hidden token decoded) and VideoMAE V2's dual masking (the decoder reconstructs a subset).
 */
import { type Clip, type Rng, tokenGridOf } from '@vfmkit/core';
import { tf } from '@vfmkit/nn';
import { compose } from '@vfmkit/video';
import maeDefaults from '../../configs/mae';
import maeDualDefaults from '../../configs/mae-dual';
import type { TrainConfig, TrainConfigInput } from '../config/schema';
import { reconstructionPicture } from '../report/reconstruction-picture';
import { encoderConfigOf, maeSpecOf } from '../train/model-spec';
import { stepRng } from '../train/step-rng';
import { maeBatch } from './mae-batch';
import { createMaeTrainable, type MaeModelSpec, type MaeTrainable } from './mae-model';
import type { Recipe } from './recipe';

const MODEL_MODULE = new URL(
  import.meta.url.endsWith('.ts') ? './mae-model.ts' : './mae-model.js',
  import.meta.url,
);

function gridOf(config: TrainConfig) {
  return tokenGridOf([config.frames, config.size, config.size], encoderConfigOf(config).tubelet);
}

function maeRecipe(
  name: string,
  summary: string,
  defaults: TrainConfigInput,
): Recipe<MaeModelSpec, MaeTrainable> {
  return {
    name,
    summary,
    defaults,
    modelModule: MODEL_MODULE,
    spec: maeSpecOf,
    createModel: createMaeTrainable,
    batch(clips: readonly Clip[], config: TrainConfig, rng: Rng) {
      return maeBatch(clips, compose(config.augment as never[]), gridOf(config), config, rng).batch;
    },
    async pictures(model, config, source) {
      // The first two clips of the dataset, unaugmented, with a fixed mask draw.
      const clips = [await source.clip(0), await source.clip(Math.min(1, source.size - 1))];
      const { batch, masks } = maeBatch(clips, compose([]), gridOf(config), config, stepRng(config.seed, -1));
      const clipBatch = {
        data: batch.clips.data as Float32Array,
        shape: batch.clips.shape as [number, number, number, number, number],
      };
      const predictions = tf.tidy(
        () =>
          model.mae
            .predict(clipBatch, { visible: masks.visible, decode: masks.decode })
            .dataSync() as Float32Array,
      );
      const png = reconstructionPicture({
        clips: clipBatch,
        tubelet: encoderConfigOf(config).tubelet,
        hidden: masks.hidden,
        decode: masks.decode,
        predictions,
        normPixels: true,
      });
      return { 'reconstruction.png': png };
    },
    async encoder(model, config) {
      return { config: encoderConfigOf(config), weights: await model.mae.encoder.weights() };
    },
    dispose(model) {
      model.mae.dispose();
    },
  };
}

export const maeRecipes = [
  maeRecipe(
    'mae',
    'VideoMAE: tube masking 0.9, normalised-pixel targets, decode every hidden token',
    maeDefaults,
  ),
  maeRecipe(
    'mae-dual',
    'VideoMAE V2 dual masking: the decoder reconstructs a subset of tokens',
    maeDualDefaults,
  ),
] as const;
