import { CheckpointError, ConfigError, readSafetensors, type Tensor, toFloat32 } from '@vfmkit/core';
import { parseVitConfig, type VitConfig, type VitConfigInput } from './config';
import { checkWeights, type NamedWeights } from './named-weights';
import { vitWeightSpecs } from './weights';

/**
 * The fields of a Hugging Face `VideoMAEConfig` (config.json) that fix the encoder's architecture.
 * Missing fields take Hugging Face's defaults (ViT-B/16, 16 x 224 x 224, layer_norm_eps 1e-12).
 */
export interface HfVideoMaeConfig {
  hidden_size?: number;
  num_hidden_layers?: number;
  num_attention_heads?: number;
  intermediate_size?: number;
  hidden_act?: string;
  patch_size?: number;
  tubelet_size?: number;
  num_frames?: number;
  image_size?: number;
  num_channels?: number;
  qkv_bias?: boolean;
  layer_norm_eps?: number;
  use_mean_pooling?: boolean;
  num_labels?: number;
  id2label?: Record<string, string>;
}

/**
 * PyTorch's default `nn.LayerNorm` epsilon: Hugging Face's `VideoMAEForVideoClassification` builds its
 * `fc_norm` as `nn.LayerNorm(hidden_size)`, so the pooled norm uses 1e-5 whatever `layer_norm_eps` says.
 */
export const VIDEOMAE_FC_NORM_EPS = 1e-5;

/** Options of {@link videoMaeConfig}. */
export interface VideoMaeConfigOptions {
  /** Add the linear classifier (`classifier.*`, `num_labels` classes). */
  withClassifier?: boolean;
  /**
   * The checkpoint has `fc_norm` (a classification checkpoint with mean pooling): the pooled embedding is
   * normalised with it. Default: `withClassifier`. {@link loadVideoMae} sets it from the checkpoint.
   */
  fcNorm?: boolean;
  /** Config fields to override (applied last). */
  overrides?: Partial<VitConfigInput>;
}

/**
 * Our config for a Hugging Face VideoMAE config: fixed `sincos` positions, ImageNet normalisation,
 * `layerNormEps` = `layer_norm_eps` (default 1e-12); `finalNorm` `tokens` without mean pooling, else
 * `pooled` when the checkpoint has `fc_norm` (with `pooledNormEps` 1e-5, PyTorch's default, as Hugging
 * Face builds it) and `none` for the bare `VideoMAEModel`. `withClassifier` adds the linear head.
 * @throws ConfigError for an activation other than GELU.
 */
export function videoMaeConfig(hf: HfVideoMaeConfig, options: VideoMaeConfigOptions = {}): VitConfig {
  const act = hf.hidden_act ?? 'gelu';
  if (act !== 'gelu')
    throw new ConfigError(`unsupported VideoMAE activation '${act}' (only exact GELU)`, {
      key: 'hidden_act',
    });
  const patch = hf.patch_size ?? 16;
  const image = hf.image_size ?? 224;
  const meanPool = hf.use_mean_pooling ?? true;
  const classes = options.withClassifier ? (hf.num_labels ?? Object.keys(hf.id2label ?? {}).length) : 0;
  return parseVitConfig({
    width: hf.hidden_size ?? 768,
    depth: hf.num_hidden_layers ?? 12,
    heads: hf.num_attention_heads ?? 12,
    mlpDim: hf.intermediate_size ?? 3072,
    tubelet: [hf.tubelet_size ?? 2, patch, patch],
    frames: hf.num_frames ?? 16,
    imageSize: [image, image],
    channels: hf.num_channels ?? 3,
    posEmbed: 'sincos',
    qkvBias: hf.qkv_bias ?? true,
    layerNormEps: hf.layer_norm_eps ?? 1e-12,
    finalNorm: meanPool ? ((options.fcNorm ?? options.withClassifier) ? 'pooled' : 'none') : 'tokens',
    pooledNormEps: VIDEOMAE_FC_NORM_EPS,
    numClasses: classes,
    ...options.overrides,
  });
}

/** How one of our weights is made from Hugging Face tensors (the README prints this table). */
export interface VideoMaeKeyRule {
  /** Our name (`{i}` = block index). */
  readonly ours: string;
  /** Hugging Face name(s), without the `videomae.` prefix (`{i}` = layer index). */
  readonly hf: readonly string[];
  /** What is done to them. */
  readonly transform: string;
}

const L = 'encoder.layer.{i}';

/** The mapping from Hugging Face VideoMAE names onto ours. */
export const VIDEOMAE_KEY_MAP: readonly VideoMaeKeyRule[] = [
  {
    ours: 'patch_embed.weight',
    hf: ['embeddings.patch_embeddings.projection.weight'],
    transform: 'Conv3d [D, C, t, p, p] -> [D, t*p*p*C], columns (dt, dy, dx, c)',
  },
  { ours: 'patch_embed.bias', hf: ['embeddings.patch_embeddings.projection.bias'], transform: 'copy' },
  { ours: 'blocks.{i}.norm1.weight', hf: [`${L}.layernorm_before.weight`], transform: 'copy' },
  { ours: 'blocks.{i}.norm1.bias', hf: [`${L}.layernorm_before.bias`], transform: 'copy' },
  {
    ours: 'blocks.{i}.attn.qkv.weight',
    hf: [
      `${L}.attention.attention.query.weight`,
      `${L}.attention.attention.key.weight`,
      `${L}.attention.attention.value.weight`,
    ],
    transform: 'stack rows -> [3D, D] (q | k | v)',
  },
  {
    ours: 'blocks.{i}.attn.qkv.bias',
    hf: [`${L}.attention.attention.q_bias`, `${L}.attention.attention.v_bias`],
    transform: 'q_bias | zeros (no key bias) | v_bias -> [3D]; only with qkv_bias',
  },
  { ours: 'blocks.{i}.attn.proj.weight', hf: [`${L}.attention.output.dense.weight`], transform: 'copy' },
  { ours: 'blocks.{i}.attn.proj.bias', hf: [`${L}.attention.output.dense.bias`], transform: 'copy' },
  { ours: 'blocks.{i}.norm2.weight', hf: [`${L}.layernorm_after.weight`], transform: 'copy' },
  { ours: 'blocks.{i}.norm2.bias', hf: [`${L}.layernorm_after.bias`], transform: 'copy' },
  { ours: 'blocks.{i}.mlp.fc1.weight', hf: [`${L}.intermediate.dense.weight`], transform: 'copy [mlp, D]' },
  { ours: 'blocks.{i}.mlp.fc1.bias', hf: [`${L}.intermediate.dense.bias`], transform: 'copy' },
  { ours: 'blocks.{i}.mlp.fc2.weight', hf: [`${L}.output.dense.weight`], transform: 'copy [D, mlp]' },
  { ours: 'blocks.{i}.mlp.fc2.bias', hf: [`${L}.output.dense.bias`], transform: 'copy' },
  { ours: 'norm.weight', hf: ['layernorm.weight'], transform: 'copy; only without mean pooling' },
  { ours: 'norm.bias', hf: ['layernorm.bias'], transform: 'copy; only without mean pooling' },
  {
    ours: 'fc_norm.weight',
    hf: ['fc_norm.weight'],
    transform: 'copy (top level, no prefix); checkpoints with mean pooling that have it; epsilon 1e-5',
  },
  { ours: 'fc_norm.bias', hf: ['fc_norm.bias'], transform: 'copy (top level, no prefix)' },
  {
    ours: 'head.weight',
    hf: ['classifier.weight'],
    transform: 'copy (top level, no prefix); with withClassifier',
  },
  { ours: 'head.bias', hf: ['classifier.bias'], transform: 'copy (top level, no prefix)' },
  {
    ours: '(none)',
    hf: ['(not stored)'],
    transform: 'positions: fixed 1-D sinusoid table, recomputed (posEmbed sincos)',
  },
];

/**
 * A checkpoint holds tensors that an import did not use (a classifier imported without its head, a
 * pretraining decoder, a final norm the config leaves out, or a different architecture). `details.unused`
 * lists their names. Pass `allowUnused` to import anyway.
 */
export class UnusedWeightsError extends CheckpointError {
  constructor(message: string, details: { path?: string; unused: readonly string[] }) {
    super(message, details);
  }
}

/**
 * Which checkpoint tensors an import may leave unused: `true` = any, a function = those it accepts
 * (e.g. {@link isVideoMaePretrainingTensor} for `VideoMAEForPreTraining`'s decoder). Default: none.
 */
export type AllowUnused = boolean | ((name: string) => boolean);

/** `VideoMAEForPreTraining`'s decoder side (`decoder.*`, `encoder_to_decoder.*`, `mask_token`). */
export function isVideoMaePretrainingTensor(name: string): boolean {
  return /^(decoder\.|encoder_to_decoder\.|mask_token$)/.test(name);
}

/**
 * Maps Hugging Face VideoMAE tensors (`VideoMAEModel`, `VideoMAEForPreTraining` or
 * `VideoMAEForVideoClassification`; the `videomae.` prefix is detected) onto our names for `config`
 * (from {@link videoMaeConfig}). Every checkpoint tensor must be used: any other is an
 * {@link UnusedWeightsError} listing them, unless `options.allowUnused` accepts it (for
 * `VideoMAEForPreTraining`, pass `allowUnused: isVideoMaePretrainingTensor` to drop its decoder).
 * @throws CheckpointError naming a missing or mis-shaped key, with the expected and actual shape.
 * @throws UnusedWeightsError listing the checkpoint tensors the import did not use.
 */
export function importVideoMae(
  tensors: Map<string, Tensor>,
  config: VitConfig,
  path?: string,
  options: { allowUnused?: AllowUnused } = {},
): NamedWeights {
  const prefix = tensors.has('videomae.embeddings.patch_embeddings.projection.weight') ? 'videomae.' : '';
  const d = config.width;
  const m = config.mlpDim;
  const [t, p] = config.tubelet;
  const c = config.channels;
  const used = new Set<string>();
  const get = (name: string, shape: readonly number[], top = false): Float32Array => {
    const key = top ? name : prefix + name;
    const tensor = tensors.get(key);
    used.add(key);
    if (!tensor)
      throw new CheckpointError(`VideoMAE checkpoint lacks '${key}'`, { path, key, expected: shape });
    if (tensor.shape.length !== shape.length || tensor.shape.some((v, i) => v !== shape[i])) {
      throw new CheckpointError(
        `VideoMAE tensor '${key}' has shape [${tensor.shape.join(', ')}], expected [${shape.join(', ')}]`,
        { path, key, expected: shape, actual: tensor.shape },
      );
    }
    return toFloat32(tensor.dtype, tensor.data);
  };
  const out: NamedWeights = new Map();
  const put = (name: string, shape: readonly number[], data: Float32Array) => out.set(name, { shape, data });

  const conv = get('embeddings.patch_embeddings.projection.weight', [d, c, t, p, p]);
  const k = t * p * p * c;
  const pe = new Float32Array(k * d);
  for (let o = 0; o < d; o++)
    for (let ch = 0; ch < c; ch++)
      for (let dt = 0; dt < t; dt++)
        for (let dy = 0; dy < p; dy++)
          for (let dx = 0; dx < p; dx++) {
            const row = ((dt * p + dy) * p + dx) * c + ch;
            pe[o * k + row] = conv[(((o * c + ch) * t + dt) * p + dy) * p + dx];
          }
  put('patch_embed.weight', [d, k], pe);
  put('patch_embed.bias', [d], get('embeddings.patch_embeddings.projection.bias', [d]).slice());

  for (let i = 0; i < config.depth; i++) {
    const hf = `encoder.layer.${i}`;
    const ours = `blocks.${i}`;
    put(`${ours}.norm1.weight`, [d], get(`${hf}.layernorm_before.weight`, [d]).slice());
    put(`${ours}.norm1.bias`, [d], get(`${hf}.layernorm_before.bias`, [d]).slice());
    const qkv = new Float32Array(3 * d * d);
    ['query', 'key', 'value'].forEach((part, j) => {
      qkv.set(get(`${hf}.attention.attention.${part}.weight`, [d, d]), j * d * d);
    });
    put(`${ours}.attn.qkv.weight`, [3 * d, d], qkv);
    if (config.qkvBias) {
      const bias = new Float32Array(3 * d);
      bias.set(get(`${hf}.attention.attention.q_bias`, [d]), 0);
      bias.set(get(`${hf}.attention.attention.v_bias`, [d]), 2 * d);
      put(`${ours}.attn.qkv.bias`, [3 * d], bias);
    }
    put(`${ours}.attn.proj.weight`, [d, d], get(`${hf}.attention.output.dense.weight`, [d, d]).slice());
    put(`${ours}.attn.proj.bias`, [d], get(`${hf}.attention.output.dense.bias`, [d]).slice());
    put(`${ours}.norm2.weight`, [d], get(`${hf}.layernorm_after.weight`, [d]).slice());
    put(`${ours}.norm2.bias`, [d], get(`${hf}.layernorm_after.bias`, [d]).slice());
    put(`${ours}.mlp.fc1.weight`, [m, d], get(`${hf}.intermediate.dense.weight`, [m, d]).slice());
    put(`${ours}.mlp.fc1.bias`, [m], get(`${hf}.intermediate.dense.bias`, [m]).slice());
    put(`${ours}.mlp.fc2.weight`, [d, m], get(`${hf}.output.dense.weight`, [d, m]).slice());
    put(`${ours}.mlp.fc2.bias`, [d], get(`${hf}.output.dense.bias`, [d]).slice());
  }
  if (config.finalNorm === 'tokens') {
    put('norm.weight', [d], get('layernorm.weight', [d]).slice());
    put('norm.bias', [d], get('layernorm.bias', [d]).slice());
  }
  if (config.finalNorm === 'pooled') {
    put('fc_norm.weight', [d], get('fc_norm.weight', [d], true).slice());
    put('fc_norm.bias', [d], get('fc_norm.bias', [d], true).slice());
  }
  if (config.numClasses > 0) {
    const n = config.numClasses;
    put('head.weight', [n, d], get('classifier.weight', [n, d], true).slice());
    put('head.bias', [n], get('classifier.bias', [n], true).slice());
  }
  checkWeights(out, vitWeightSpecs(config), path);
  const allow = options.allowUnused ?? false;
  const unused = [...tensors.keys()].filter(
    (k) => !used.has(k) && !(allow === true || (typeof allow === 'function' && allow(k))),
  );
  if (unused.length > 0) {
    const shown =
      unused.slice(0, 8).join(', ') + (unused.length > 8 ? `, ... (${unused.length} in all)` : '');
    throw new UnusedWeightsError(
      `${path ?? 'VideoMAE checkpoint'}: ${unused.length} tensor(s) not used by the import: ${shown}. ` +
        'Import the classifier with withClassifier, or pass allowUnused to drop them on purpose.',
      { path, unused },
    );
  }
  return out;
}

/**
 * Reads a Hugging Face VideoMAE `model.safetensors` and its `config.json` contents (downloaded by the
 * user; nothing here fetches) and returns our config and weights. A checkpoint's `fc_norm` is used
 * (`finalNorm` `pooled`) whenever the file has it; every other tensor must be used too (see
 * {@link importVideoMae}).
 * @throws UnusedWeightsError listing the tensors the import did not use (unless `allowUnused` accepts them).
 */
export async function loadVideoMae(
  safetensorsPath: string,
  hfConfig: HfVideoMaeConfig,
  options: VideoMaeConfigOptions & { allowUnused?: AllowUnused } = {},
): Promise<{ config: VitConfig; weights: NamedWeights }> {
  const file = await readSafetensors(safetensorsPath);
  const fcNorm = options.fcNorm ?? file.tensors.has('fc_norm.weight');
  const config = videoMaeConfig(hfConfig, { ...options, fcNorm });
  const weights = importVideoMae(file.tensors, config, safetensorsPath, { allowUnused: options.allowUnused });
  return { config, weights };
}
