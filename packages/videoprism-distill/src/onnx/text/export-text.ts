import { ConfigError } from '@vfmkit/core';
import { attr, GraphBuilder, type WeightStorage } from '@vfmkit/onnx';
import { weightData as get, transposed } from '@vfmkit/vit-encoder';
import {
  parseTextEncoderConfig,
  type TextEncoderConfig,
  type TextEncoderConfigInput,
  textMlpDim,
} from '../../text/text-config';
import {
  checkTextWeights,
  TEXT_LAYER_NORM_EPS,
  TEXT_MASK_BIAS,
  type TextWeights,
} from '../../text/text-weights';

/** Options of {@link exportTextOnnx}. */
export interface TextOnnxExportOptions {
  /** Element type of the `ids` input: `int64` (default, what Gather takes natively) or `int32`. */
  readonly idsType?: 'int64' | 'int32';
  /** Storage of the linear weights and the embedding table: fp32 (default), fp16 or int8. */
  readonly weights?: WeightStorage;
  /** ONNX opset (17 by default: LayerNormalization). */
  readonly opset?: number;
}

/** What an exported text tower says about itself (the model's `config` metadata). */
export interface TextOnnxMeta {
  readonly kind: 'vfmkit.videoprism-text';
  readonly text: TextEncoderConfig;
  readonly idsType: 'int64' | 'int32';
  readonly weights: WeightStorage;
}

/**
 * Builds the ONNX graph of the text tower, the same computation as the tfjs `TextTransformer.forward`.
 *
 * Inputs: `ids` int64 (or int32) `[B, L]` and `mask` float32 `[B, L]` (1 = real token), with B and
 * L <= maxLength dynamic. Output: `embedding` float32 `[B, embedDim]`, not normalised. The token lookup
 * is a plain `Gather`; padded keys get a -1e9 attention bias; pooling is the masked mean or the first
 * token, as the config says.
 * @throws ConfigError for an invalid config; CheckpointError for weights that do not match it.
 */
export function buildTextGraph(
  config: TextEncoderConfigInput,
  weights: TextWeights,
  options: TextOnnxExportOptions = {},
): GraphBuilder {
  const c = parseTextEncoderConfig(config);
  checkTextWeights(weights, c);
  const idsType = options.idsType ?? 'int64';
  if (idsType !== 'int64' && idsType !== 'int32') {
    throw new ConfigError(`idsType must be 'int64' or 'int32', got '${idsType}'`, { key: 'idsType' });
  }
  const storage = options.weights ?? 'float32';
  const meta: TextOnnxMeta = { kind: 'vfmkit.videoprism-text', text: c, idsType, weights: storage };
  const g = new GraphBuilder({
    name: 'videoprism_text',
    opset: options.opset ?? 17,
    config: meta,
    weights: storage,
  });
  const d = c.width;
  const h = textMlpDim(c);
  const dh = d / c.heads;

  const ids = g.input('ids', idsType, ['batch', 'length']);
  const mask = g.input('mask', 'float32', ['batch', 'length']);
  const table = g.weight(get(weights, 'token_embed.weight'), [c.vocabSize, d], {
    name: 'token_embed.weight',
    storage,
    axis: 1,
  });
  // Positions 0..L-1: slice the table to the input's length.
  const length = g.slice(g.shape(ids), [1], [2]);
  const pos = g.node('Slice', [
    g.f32(get(weights, 'pos_embed'), [c.maxLength, d], 'pos_embed'),
    g.i64([0]),
    length,
    g.i64([0]),
  ])[0];
  let x = g.add(g.gather(table, ids, 0), pos);
  // [B, L] -> [B, 1, 1, L]: 0 for a real key, -1e9 for padding.
  const keyBias = g.unsqueeze(g.mul(g.sub(g.scalar(1), mask), g.scalar(TEXT_MASK_BIAS)), [1, 2]);

  const linear = (v: string, name: string, out: number, inp: number) =>
    g.linear(
      v,
      transposed(get(weights, `${name}.weight`), out, inp),
      [inp, out],
      get(weights, `${name}.bias`),
      name,
    );
  const ln = (v: string, name: string) =>
    g.layerNorm(v, g.f32(get(weights, `${name}.weight`), [d]), g.f32(get(weights, `${name}.bias`), [d]), {
      epsilon: TEXT_LAYER_NORM_EPS,
    });
  const heads = (v: string, perm: readonly number[]) => g.transpose(g.reshape(v, [0, 0, c.heads, dh]), perm);
  for (let i = 0; i < c.depth; i++) {
    const b = `blocks.${i}`;
    const qkv = linear(ln(x, `${b}.norm1`), `${b}.attn.qkv`, 3 * d, d);
    const [qv, kv, vv] = g.node('Split', [qkv], { axis: attr.int(2) }, { outputs: 3 });
    const qh = g.mul(heads(qv, [0, 2, 1, 3]), g.scalar(1 / Math.sqrt(dh)));
    const kt = heads(kv, [0, 2, 3, 1]);
    const vh = heads(vv, [0, 2, 1, 3]);
    const att = g.matmul(g.softmax(g.add(g.matmul(qh, kt), keyBias), -1), vh);
    const merged = g.reshape(g.transpose(att, [0, 2, 1, 3]), [0, 0, d]);
    x = g.add(x, linear(merged, `${b}.attn.proj`, d, d));
    const hidden = g.gelu(linear(ln(x, `${b}.norm2`), `${b}.mlp.fc1`, h, d));
    x = g.add(x, linear(hidden, `${b}.mlp.fc2`, d, h));
  }
  const tokens = ln(x, 'norm');
  let pooled: string;
  if (c.pooling === 'first') {
    pooled = g.gather(tokens, g.scalar(0, 'int64'), 1);
  } else {
    const summed = g.node('ReduceSum', [g.mul(tokens, g.unsqueeze(mask, [2])), g.i64([1])], {
      keepdims: attr.int(0),
    })[0];
    const count = g.node('ReduceSum', [mask, g.i64([1])], { keepdims: attr.int(1) })[0];
    pooled = g.div(summed, g.node('Max', [count, g.scalar(1e-9)])[0]);
  }
  g.output(linear(pooled, 'proj', c.embedDim, d), 'float32', {
    name: 'embedding',
    dims: ['batch', c.embedDim],
  });
  return g;
}

/** The text tower as ONNX bytes (see {@link buildTextGraph}). */
export function exportTextOnnx(
  config: TextEncoderConfigInput,
  weights: TextWeights,
  options: TextOnnxExportOptions = {},
): Uint8Array {
  return buildTextGraph(config, weights, options).toBuffer();
}

/** Writes the text tower's ONNX file atomically (see {@link buildTextGraph}). */
export async function writeTextOnnx(
  path: string,
  config: TextEncoderConfigInput,
  weights: TextWeights,
  options: TextOnnxExportOptions = {},
): Promise<void> {
  await buildTextGraph(config, weights, options).writeFile(path);
}
