/**
 * The joint-embedding recipes of the SSL template (@vfmkit/ssl): SimCLR, MoCo v3, BYOL, DINO and
 * VICReg. Each clip gives `views.count` views drawn by an augmentation policy (temporal jitter and
 * speed, then spatial transforms consistent across frames); the ViT encoder embeds each view; the
 * method's projector, predictor, target and loss do the rest.
 */
import type { Clip, Rng } from '@vfmkit/core';
import {
  augmentPolicy,
  collapseReport,
  policyPreview,
  SSL_METHOD_NAMES,
  SSL_METHODS,
  sslMethod,
  viewBatch,
} from '@vfmkit/ssl';
import {
  createJointEmbedding,
  type JointEmbeddingModel,
  type JointEmbeddingSpec,
  SSL_STATS,
} from '@vfmkit/ssl/tfjs';
import type { TrainConfig } from '../config/schema';
import { encoderConfigOf } from '../train/model-spec';
import type { Recipe } from './recipe';

const MODEL_MODULE = new URL(
  import.meta.url.endsWith('.ts') ? './joint-embedding-model.ts' : './joint-embedding-model.js',
  import.meta.url,
);

/** Frames per view: `views.frames`, or half the source clip. */
export function viewFrames(config: TrainConfig): number {
  return config.views.frames ?? Math.max(config.model.tubeletFrames, Math.floor(config.frames / 2));
}

/** Small heads for the small encoders this toolkit trains on 2 cores (the papers' are 2048-65536 wide). */
const SMALL_HEADS = { projector: { hidden: 256, out: 128 } } as const;

const SUMMARIES: Record<string, string> = {
  simclr: 'SimCLR: NT-Xent between two views, no target network',
  mocov3: 'MoCo v3: predictor + momentum encoder, in-batch contrastive loss',
  byol: 'BYOL: predictor regresses a momentum target (cosine)',
  dino: "DINO: student matches a momentum teacher's centred, sharpened distribution",
  vicreg: 'VICReg: invariance + variance + covariance terms, no target network',
};

function jointEmbeddingRecipe(name: string): Recipe<JointEmbeddingSpec, JointEmbeddingModel> {
  const defaults = SSL_METHODS[name as keyof typeof SSL_METHODS] as { projector: object; predictor?: object };
  return {
    name,
    summary: SUMMARIES[name] ?? name,
    defaults: {
      recipe: name,
      views: { policy: 'standard', count: 2 },
      // Keep each part's layer count from the paper, shrink its width.
      ssl: {
        projector: { ...defaults.projector, ...SMALL_HEADS.projector },
        ...(defaults.predictor ? { predictor: { ...defaults.predictor, hidden: 256, out: 128 } } : {}),
      },
      augment: [],
    },
    modelModule: MODEL_MODULE,
    spec(config) {
      const merged = { ...config.ssl };
      return {
        encoder: encoderConfigOf(config, viewFrames(config)),
        method: sslMethod(name, merged),
        views: config.views.count,
        seed: config.seed,
        steps: config.steps,
      };
    },
    createModel: createJointEmbedding,
    batch(clips: readonly Clip[], config: TrainConfig, rng: Rng) {
      const policy = augmentPolicy(config.views.policy, config.size);
      const { views } = viewBatch(
        clips,
        policy,
        { frames: viewFrames(config), size: config.size, count: config.views.count },
        rng,
      );
      // [B * V, T, H, W, 3] -> [B, V, T, H, W, 3]: data-parallel shards split clips, never a clip's views.
      const [, t, h, w, c] = views.shape;
      return { views: { data: views.data, shape: [clips.length, config.views.count, t, h, w, c] } };
    },
    watch(stats, config) {
      const std = stats[SSL_STATS.embeddingStd]?.[0];
      if (std === undefined) return null;
      const dim = sslMethod(name, config.ssl).projector.out;
      const report = collapseReport(std, dim);
      return report.collapsed
        ? {
            event: 'collapse',
            message: `embedding std ${std.toExponential(2)} is ${report.ratio.toFixed(3)} of a spread embedding's ${report.healthy.toFixed(3)}: the representation is collapsing`,
          }
        : null;
    },
    async pictures(_model, config, source) {
      const clip = await source.clip(0);
      return {
        'views.png': policyPreview(clip, {
          policies: [config.views.policy],
          frames: viewFrames(config),
          seed: config.seed,
        }),
      };
    },
    async encoder(model) {
      return { config: model.encoderConfig, weights: await model.encoder.weights() };
    },
    dispose(model) {
      model.dispose();
    },
  };
}

export const jointEmbeddingRecipes = SSL_METHOD_NAMES.map(jointEmbeddingRecipe);
