import { CheckpointError, type Tensor, type TokenGrid, toFloat32, tokenCount } from '@vfmkit/core';
import { attr, GraphBuilder } from '@vfmkit/onnx';
import {
  codeDim,
  parseTokenizerConfig,
  stageFactors,
  type TokenizerConfig,
  type TokenizerConfigInput,
} from '../config';
import { fsqBasis, fsqConstants } from '../fsq';
import { latentGrid } from '../latent-grid';

/** What an exported tokenizer graph says about itself (stored as the model's `config` metadata). */
export interface TokenizerOnnxMeta {
  readonly kind: 'vfmkit.tokenizer.encoder' | 'vfmkit.tokenizer.decoder';
  readonly tokenizer: TokenizerConfig;
  /** `[T, H, W]` of the clips. */
  readonly clip: readonly [number, number, number];
  readonly grid: TokenGrid;
}

/** Weights by name, as `@vfmkit/nn`'s `paramsToTensors` or a safetensors checkpoint give them. */
export type TokenizerWeights = ReadonlyMap<string, Tensor>;

class Builder {
  readonly g: GraphBuilder;
  constructor(
    readonly config: TokenizerConfig,
    private readonly weights: TokenizerWeights,
    meta: TokenizerOnnxMeta,
  ) {
    this.g = new GraphBuilder({ name: meta.kind.replace(/\./g, '_'), opset: 17, config: meta });
  }

  private tensor(name: string): { data: Float32Array; shape: readonly number[] } {
    const t = this.weights.get(name);
    if (!t) throw new CheckpointError(`tokenizer weights lack "${name}"`, { missing: [name] });
    const data = t.dtype === 'F32' ? (t.data as Float32Array) : toFloat32(t.dtype, t.data);
    return { data, shape: t.shape };
  }

  /** ONNX `Conv` on `[B, C, T, H, W]` with "same" zero padding, from a `[OUT, IN, kt, kh, kw]` weight. */
  conv(x: string, name: string): string {
    const w = this.tensor(`${name}.weight`);
    const k = w.shape.slice(2);
    const pads = k.map((v) => (v - 1) / 2);
    const bias = this.weights.has(`${name}.bias`) ? this.tensor(`${name}.bias`) : undefined;
    return this.g.conv(
      x,
      this.g.f32(w.data, w.shape, `${name}.weight`),
      bias && this.g.f32(bias.data, bias.shape, `${name}.bias`),
      { pads: [...pads, ...pads] },
    );
  }

  silu(x: string): string {
    return this.g.mul(x, this.g.unary('Sigmoid', x));
  }

  res(x: string, name: string): string {
    const h = this.conv(this.silu(x), `${name}.conv1`);
    return this.g.add(x, this.conv(this.silu(h), `${name}.conv2`));
  }

  /** `[B, C, T, H, W]` -> `[B, sw sh st C, T/st, H/sh, W/sw]`, channel order as the tfjs spaceToDepth. */
  spaceToDepth(x: string, [st, sh, sw]: readonly number[], [c, t, h, w]: readonly number[]): string {
    const split = this.g.reshape(x, [0, c, t / st, st, h / sh, sh, w / sw, sw]);
    return this.g.reshape(this.g.transpose(split, [0, 7, 5, 3, 1, 2, 4, 6]), [
      0,
      c * st * sh * sw,
      t / st,
      h / sh,
      w / sw,
    ]);
  }

  /** Inverse of {@link spaceToDepth}: `[B, sw sh st C, T, H, W]` -> `[B, C, T st, H sh, W sw]`. */
  depthToSpace(x: string, [st, sh, sw]: readonly number[], [c, t, h, w]: readonly number[]): string {
    const split = this.g.reshape(x, [0, sw, sh, st, c, t, h, w]);
    return this.g.reshape(this.g.transpose(split, [0, 4, 5, 3, 6, 2, 7, 1]), [0, c, t * st, h * sh, w * sw]);
  }
}

function prepare(
  configInput: TokenizerConfigInput | TokenizerConfig,
  clip?: readonly [number, number, number],
): { config: TokenizerConfig; clip: [number, number, number]; grid: TokenGrid } {
  const config = parseTokenizerConfig(configInput);
  const c: [number, number, number] = clip
    ? [clip[0], clip[1], clip[2]]
    : [config.frames, config.imageSize[0], config.imageSize[1]];
  return { config, clip: c, grid: latentGrid(c, config.downsample) };
}

/**
 * The encoder graph: encoder + quantizer + scorer. Input `clips` float32 `[B, T, H, W, C]` in [0, 1]
 * (B dynamic). Outputs: `ids` int32 `[B, N]`, `codes` float32 `[B, N, d]`, `priorities` float32 `[B, N]`,
 * `latents` float32 `[B, N, d]` (pre-quantization; FSQ ids are only as exact as their distance to a
 * rounding boundary). Every op is standard ONNX (opset 17): Conv, Tanh, Round, Sigmoid, Reshape, Transpose.
 * @param clip `[T, H, W]` the graph accepts (default: the config's training size).
 * @throws CheckpointError for missing weights; ClipSizeError for a clip the downsampling does not divide.
 */
export function buildTokenizerEncoderGraph(
  configInput: TokenizerConfigInput | TokenizerConfig,
  weights: TokenizerWeights,
  clip?: readonly [number, number, number],
): GraphBuilder {
  const { config, clip: size, grid } = prepare(configInput, clip);
  const b = new Builder(config, weights, {
    kind: 'vfmkit.tokenizer.encoder',
    tokenizer: config,
    clip: size,
    grid,
  });
  const g = b.g;
  const d = codeDim(config);
  const n = tokenCount(grid);
  const stages = stageFactors(config.downsample);
  const clips = g.input('clips', 'float32', ['batch', size[0], size[1], size[2], config.channels]);
  const ncdhw = g.transpose(g.sub(g.mul(clips, g.scalar(2)), g.scalar(1)), [0, 4, 1, 2, 3]);
  let h = b.conv(ncdhw, 'encoder.stem');
  let dims = [config.widths[0], size[0], size[1], size[2]];
  for (let i = 0; i <= stages.length; i++) {
    for (let r = 0; r < config.resBlocks[i]; r++) h = b.res(h, `encoder.levels.${i}.res.${r}`);
    if (i < stages.length) {
      h = b.conv(b.spaceToDepth(h, stages[i], dims), `encoder.levels.${i}.down`);
      dims = [config.widths[i + 1], dims[1] / stages[i][0], dims[2] / stages[i][1], dims[3] / stages[i][2]];
    }
  }
  const z = b.conv(b.silu(h), 'encoder.out'); // [B, d, T', H', W']
  const q = config.quantizer;
  const channel = (v: readonly number[]) => g.f32(Float32Array.from(v), [1, d, 1, 1, 1]);
  let codes: string;
  let digits: string;
  let basis: number[];
  if (q.kind === 'fsq') {
    const k = fsqConstants(q.levels);
    const bounded = g.sub(
      g.mul(g.unary('Tanh', g.add(z, channel(k.shift))), channel(k.halfL)),
      channel(k.offset),
    );
    const rounded = g.node('Round', [bounded])[0];
    codes = g.div(rounded, channel(k.halfWidth));
    digits = g.add(rounded, channel(k.halfWidth));
    basis = fsqBasis(q.levels);
  } else {
    const positive = g.compare('Greater', z, g.scalar(0));
    codes = g.where(positive, g.scalar(1), g.scalar(-1));
    digits = g.cast(positive, 'float32');
    basis = Array.from({ length: d }, (_, i) => 2 ** i);
  }
  const weighted = g.mul(g.cast(digits, 'int64'), g.i64(basis, [1, d, 1, 1, 1]));
  const ids = g.reshape(g.node('ReduceSum', [weighted, g.i64([1])], { keepdims: attr.int(0) })[0], [0, n]);
  g.output(g.cast(ids, 'int32'), 'int32', { name: 'ids', dims: ['batch', n] });
  const tokens = (v: string) => g.reshape(g.transpose(v, [0, 2, 3, 4, 1]), [0, n, d]);
  g.output(tokens(codes), 'float32', { name: 'codes', dims: ['batch', n, d] });
  let s = codes;
  for (let i = 0; i < config.scorer.layers; i++) s = b.silu(b.conv(s, `scorer.convs.${i}`));
  g.output(g.reshape(b.conv(s, 'scorer.out'), [0, n]), 'float32', { name: 'priorities', dims: ['batch', n] });
  g.output(tokens(z), 'float32', { name: 'latents', dims: ['batch', n, d] });
  return g;
}

/**
 * The decoder graph. Input `codes` float32 `[B, N, d]` (t-major tokens; zero vectors for dropped tokens);
 * output `clips` float32 `[B, T, H, W, C]` (`0.5 * out + 0.5`, not clamped, as the tfjs model).
 * @throws CheckpointError for missing weights; ClipSizeError for a clip the downsampling does not divide.
 */
export function buildTokenizerDecoderGraph(
  configInput: TokenizerConfigInput | TokenizerConfig,
  weights: TokenizerWeights,
  clip?: readonly [number, number, number],
): GraphBuilder {
  const { config, clip: size, grid } = prepare(configInput, clip);
  const b = new Builder(config, weights, {
    kind: 'vfmkit.tokenizer.decoder',
    tokenizer: config,
    clip: size,
    grid,
  });
  const g = b.g;
  const d = codeDim(config);
  const n = tokenCount(grid);
  const stages = stageFactors(config.downsample);
  const codes = g.input('codes', 'float32', ['batch', n, d]);
  let h = b.conv(
    g.transpose(g.reshape(codes, [0, grid.t, grid.h, grid.w, d]), [0, 4, 1, 2, 3]),
    'decoder.in',
  );
  let dims = [config.widths[stages.length], grid.t, grid.h, grid.w];
  for (let i = stages.length; i >= 0; i--) {
    for (let r = 0; r < config.resBlocks[i]; r++) h = b.res(h, `decoder.levels.${i}.res.${r}`);
    if (i > 0) {
      const f = stages[i - 1];
      dims = [config.widths[i - 1], dims[1] * f[0], dims[2] * f[1], dims[3] * f[2]];
      h = b.depthToSpace(
        b.conv(h, `decoder.levels.${i}.up`),
        f,
        dims.map((v, j) => (j === 0 ? v : v / f[j - 1])),
      );
    }
  }
  const out = g.add(g.mul(b.conv(b.silu(h), 'decoder.out'), g.scalar(0.5)), g.scalar(0.5));
  g.output(g.transpose(out, [0, 2, 3, 4, 1]), 'float32', {
    name: 'clips',
    dims: ['batch', size[0], size[1], size[2], config.channels],
  });
  return g;
}

/** Both graphs as ONNX bytes. */
export function exportTokenizerOnnx(
  config: TokenizerConfigInput | TokenizerConfig,
  weights: TokenizerWeights,
  clip?: readonly [number, number, number],
): { encoder: Uint8Array; decoder: Uint8Array } {
  return {
    encoder: buildTokenizerEncoderGraph(config, weights, clip).toBuffer(),
    decoder: buildTokenizerDecoderGraph(config, weights, clip).toBuffer(),
  };
}
