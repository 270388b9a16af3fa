import { float32ToFloat16 } from '@vfmkit/core';
import { type AttrValue, attr, type ConstTensor } from './attributes';
import type { ElemType } from './dtype';
import { ONNX_DATA_TYPE } from './dtype';
import { OnnxGraphError } from './errors';
import { GraphCore, type GraphOptions } from './graph-core';
import { quantizeInt8PerChannel } from './quantize';

/** How {@link GraphBuilder.linear} stores MatMul weights. */
export type WeightStorage = 'float32' | 'float16' | 'int8';

/** Builder options: graph options plus the weight export mode. */
export interface GraphBuilderOptions extends GraphOptions {
  /**
   * Storage of the weights that go through {@link GraphBuilder.linear} (default `'float32'`).
   * `'float16'` halves the file (a Cast restores fp32); `'int8'` quantizes each output channel
   * symmetrically (scale = max|w| / 127, or / 63 for `'dynamic'`, see `quantizeInt8PerChannel`) and,
   * with `int8Compute: 'dynamic'`, runs the product in int8.
   */
  weights?: WeightStorage;
  /**
   * How int8 weights run (default `'dynamic'`): `'dynamic'` = DynamicQuantizeLinear -> MatMulInteger ->
   * Cast -> Mul, which ONNX Runtime's CPU provider fuses into one int8 kernel (fast, also quantizes the
   * activations per tensor); `'dequantize'` = DequantizeLinear -> MatMul in fp32 (weight error only).
   */
  int8Compute?: 'dynamic' | 'dequantize';
  /**
   * Keep int8 weights to 7 bits ([-63, 63]) for `int8Compute: 'dynamic'` (default true): needed on x86
   * CPUs without VNNI, whose u8 x s8 kernel saturates int16 pair sums. With VNNI (AVX512-VNNI / AVX-VNNI)
   * pass `false` for full-range weights (half the weight rounding error).
   */
  int8ReduceRange?: boolean;
}

type Scalar = number;

/**
 * Typed ONNX graph builder. Each op helper takes value names, adds nodes, and returns the output
 * name(s), so a model reads like its forward pass:
 * ```ts
 * const g = new GraphBuilder({ config });
 * const x = g.input('tokens', 'float32', ['batch', 'tokens', 384]);      // [B, N, D]
 * const h = g.gelu(g.linear(g.layerNorm(x, ln.scale, ln.bias), w1, b1)); // [B, N, 4D]
 * g.output(g.linear(h, w2, b2), 'float32', { name: 'out' });
 * const bytes = g.toBuffer();
 * ```
 * Attribute conventions follow the ONNX operator docs for the chosen opset (17 by default).
 */
export class GraphBuilder extends GraphCore {
  private readonly weightStorage: WeightStorage;
  private readonly int8Compute: 'dynamic' | 'dequantize';
  private readonly int8ReduceRange: boolean;
  private readonly scalarCache = new Map<string, string>();

  constructor(options: GraphBuilderOptions = {}) {
    super(options);
    this.weightStorage = options.weights ?? 'float32';
    this.int8Compute = options.int8Compute ?? 'dynamic';
    this.int8ReduceRange = options.int8ReduceRange ?? true;
  }

  // ---- constants ---------------------------------------------------------------------------

  /** An fp32 initializer `[...dims]`; returns its name. */
  f32(data: Float32Array | readonly number[], dims: readonly number[], name?: string): string {
    return this.initializer({ data: Float32Array.from(data), dims }, name);
  }

  /** An int64 initializer (shapes, axes, indices); `dims` defaults to `[values.length]`. */
  i64(values: readonly number[] | BigInt64Array, dims?: readonly number[], name?: string): string {
    const data = values instanceof BigInt64Array ? values : BigInt64Array.from(values, (v) => BigInt(v));
    return this.initializer({ data, dims: dims ?? [data.length] }, name);
  }

  /** A cached scalar constant of `dtype` (rank 0). */
  scalar(value: Scalar, dtype: 'float32' | 'int64' = 'float32'): string {
    const key = `${dtype}:${value}`;
    let name = this.scalarCache.get(key);
    if (name === undefined) {
      const data = dtype === 'int64' ? BigInt64Array.of(BigInt(value)) : Float32Array.of(value);
      name = this.initializer({ data, dims: [] });
      this.scalarCache.set(key, name);
    }
    return name;
  }

  /**
   * A float32 weight value from fp32 data, stored as `storage` (default fp32): fp16 adds a Cast; int8
   * stores per-channel int8 along `axis` (scales `[dims[axis]]`) and adds a DequantizeLinear.
   */
  weight(
    data: Float32Array,
    dims: readonly number[],
    opts: { name?: string; storage?: WeightStorage; axis?: number } = {},
  ): string {
    const storage = opts.storage ?? 'float32';
    if (storage === 'float32') return this.initializer({ data, dims }, opts.name);
    if (storage === 'float16') {
      const half = this.initializer(
        { data: toHalfBits(data), dims, dtype: 'float16' },
        opts.name && `${opts.name}.fp16`,
      );
      return this.node(
        'Cast',
        [half],
        { to: attr.int(ONNX_DATA_TYPE.float32) },
        { outputs: opts.name ? [opts.name] : 1 },
      )[0];
    }
    const axis = opts.axis ?? dims.length - 1;
    const q = quantizeInt8PerChannel(data, dims, axis);
    const qName = this.initializer({ data: q.data, dims }, opts.name && `${opts.name}.int8`);
    const sName = this.f32(q.scales, [q.scales.length], opts.name && `${opts.name}.scale`);
    return this.node(
      'DequantizeLinear',
      [qName, sName],
      { axis: attr.int(axis) },
      { outputs: opts.name ? [opts.name] : 1 },
    )[0];
  }

  // ---- linear algebra ----------------------------------------------------------------------

  /** `MatMul`: numpy-style batched product, `[..., M, K] x [..., K, N] -> [..., M, N]`. */
  matmul(a: string, b: string): string {
    return this.node('MatMul', [a, b])[0];
  }

  /** `Gemm`: `alpha * op(A) @ op(B) + beta * C` with 2-D `A`, `B`. */
  gemm(
    a: string,
    b: string,
    c?: string,
    o: { alpha?: number; beta?: number; transA?: boolean; transB?: boolean } = {},
  ): string {
    return this.node('Gemm', c ? [a, b, c] : [a, b], {
      alpha: o.alpha === undefined ? undefined : attr.float(o.alpha),
      beta: o.beta === undefined ? undefined : attr.float(o.beta),
      transA: o.transA ? attr.int(1) : undefined,
      transB: o.transB ? attr.int(1) : undefined,
    })[0];
  }

  /**
   * A dense layer `x @ W (+ b)`: `x` `[..., K]`, `weight` `[K, N]` row-major, `bias` `[N]`. The weight is
   * stored as the builder's `weights` option says (fp32, fp16, or int8 per output channel).
   */
  linear(
    x: string,
    weight: Float32Array,
    dims: readonly [number, number],
    bias?: Float32Array,
    name?: string,
  ): string {
    const [k, n] = dims;
    if (weight.length !== k * n)
      throw new OnnxGraphError(`linear: weight has ${weight.length} elements, dims [${k}, ${n}]`, {
        name: name ?? x,
        op: 'linear',
      });
    if (bias && bias.length !== n)
      throw new OnnxGraphError(`linear: bias has ${bias.length} elements, expected ${n}`, {
        name: name ?? x,
        op: 'linear',
      });
    let y: string;
    if (this.weightStorage === 'int8' && this.int8Compute === 'dynamic') {
      const q = quantizeInt8PerChannel(weight, dims, 1, { reduceRange: this.int8ReduceRange });
      const wq = this.initializer({ data: q.data, dims }, name && `${name}.weight.int8`);
      const ws = this.f32(q.scales, [n], name && `${name}.weight.scale`);
      const [xq, xs, xz] = this.node('DynamicQuantizeLinear', [x], {}, { outputs: 3 });
      const acc = this.node('MatMulInteger', [xq, wq, xz])[0];
      const accF = this.cast(acc, 'float32');
      y = this.mul(accF, this.mul(xs, ws));
    } else {
      y = this.matmul(
        x,
        this.weight(weight, dims, { name: name && `${name}.weight`, storage: this.weightStorage, axis: 1 }),
      );
    }
    return bias ? this.add(y, this.f32(bias, [n], name && `${name}.bias`)) : y;
  }

  // ---- elementwise -------------------------------------------------------------------------

  /** `Add` with numpy broadcasting. */
  add(a: string, b: string): string {
    return this.node('Add', [a, b])[0];
  }
  /** `Sub` with numpy broadcasting. */
  sub(a: string, b: string): string {
    return this.node('Sub', [a, b])[0];
  }
  /** `Mul` with numpy broadcasting. */
  mul(a: string, b: string): string {
    return this.node('Mul', [a, b])[0];
  }
  /** `Div` with numpy broadcasting. */
  div(a: string, b: string): string {
    return this.node('Div', [a, b])[0];
  }
  /** `Pow` with numpy broadcasting. */
  pow(a: string, b: string): string {
    return this.node('Pow', [a, b])[0];
  }
  /** A unary elementwise op: `Erf`, `Exp`, `Sqrt`, `Tanh`, `Sigmoid`, `Relu`, `Neg`, `Abs`, `Identity`. */
  unary(
    op: 'Erf' | 'Exp' | 'Sqrt' | 'Tanh' | 'Sigmoid' | 'Relu' | 'Neg' | 'Abs' | 'Identity',
    x: string,
  ): string {
    return this.node(op, [x])[0];
  }
  /** A comparison giving a bool tensor: `Equal`, `Less`, `Greater`. */
  compare(op: 'Equal' | 'Less' | 'Greater', a: string, b: string): string {
    return this.node(op, [a, b])[0];
  }
  /** `Where(cond, a, b)`: `a` where `cond` is true, else `b` (broadcasting). */
  where(cond: string, a: string, b: string): string {
    return this.node('Where', [cond, a, b])[0];
  }
  /** `Cast` to `to`. */
  cast(x: string, to: ElemType): string {
    return this.node('Cast', [x], { to: attr.int(ONNX_DATA_TYPE[to]) })[0];
  }

  /**
   * Exact GELU, `0.5 x (1 + erf(x / sqrt 2))`, from `Erf`. Written as `Div(x, sqrt 2)`: the form ONNX
   * Runtime's GELU fusion recognises (it fuses it into its Gelu kernel, and with a preceding bias Add
   * into BiasGelu; `Mul(x, 1 / sqrt 2)` is left as separate nodes).
   */
  gelu(x: string): string {
    const e = this.unary('Erf', this.div(x, this.scalar(Math.SQRT2)));
    return this.mul(this.mul(x, this.scalar(0.5)), this.add(e, this.scalar(1)));
  }

  // ---- normalisation -----------------------------------------------------------------------

  /** `Softmax` along `axis` (default last). */
  softmax(x: string, axis = -1): string {
    return this.node('Softmax', [x], { axis: attr.int(axis) })[0];
  }

  /** `LayerNormalization` over the dims from `axis` (default last) with `scale` and `bias` value names. */
  layerNorm(x: string, scale: string, bias: string, o: { axis?: number; epsilon?: number } = {}): string {
    return this.node('LayerNormalization', [x, scale, bias], {
      axis: attr.int(o.axis ?? -1),
      epsilon: attr.float(o.epsilon ?? 1e-5),
    })[0];
  }

  /** `ReduceMean` over `axes` (`keepdims` default true); axes go as an attribute before opset 18, an input after. */
  reduceMean(x: string, axes: readonly number[], keepdims = true): string {
    const kd = attr.int(keepdims ? 1 : 0);
    if (this.opset < 18) return this.node('ReduceMean', [x], { axes: attr.ints(axes), keepdims: kd })[0];
    return this.node('ReduceMean', [x, this.i64(axes)], { keepdims: kd })[0];
  }

  // ---- shape ops ---------------------------------------------------------------------------

  /** `Reshape` to `shape` (`0` copies the input dim, `-1` infers one dim) or to a shape value name. */
  reshape(x: string, shape: readonly number[] | string): string {
    return this.node('Reshape', [x, typeof shape === 'string' ? shape : this.i64(shape)])[0];
  }
  /** `Transpose` by `perm`. */
  transpose(x: string, perm: readonly number[]): string {
    return this.node('Transpose', [x], { perm: attr.ints(perm) })[0];
  }
  /** `Concat` along `axis`. */
  concat(xs: readonly string[], axis: number): string {
    if (xs.length === 0) throw new OnnxGraphError('concat needs at least one input', { op: 'Concat' });
    return this.node('Concat', xs, { axis: attr.int(axis) })[0];
  }
  /** `Unsqueeze` at `axes` (axes as an input, opset 13+). */
  unsqueeze(x: string, axes: readonly number[]): string {
    return this.node('Unsqueeze', [x, this.i64(axes)])[0];
  }
  /** `Squeeze` at `axes` (axes as an input, opset 13+). */
  squeeze(x: string, axes: readonly number[]): string {
    return this.node('Squeeze', [x, this.i64(axes)])[0];
  }
  /** `Shape` of `x` as an int64 vector. */
  shape(x: string): string {
    return this.node('Shape', [x])[0];
  }
  /** `Slice` with constant `starts`, `ends` and optional `axes`, `steps`. */
  slice(
    x: string,
    starts: readonly number[],
    ends: readonly number[],
    axes?: readonly number[],
    steps?: readonly number[],
  ): string {
    const inputs = [x, this.i64(starts), this.i64(ends)];
    if (axes || steps) inputs.push(axes ? this.i64(axes) : '');
    if (steps) inputs.push(this.i64(steps));
    return this.node('Slice', inputs)[0];
  }
  /** `Gather` of `indices` (an int64 value name, or constant indices) along `axis`, e.g. visible tokens `[B, N, D] -> [B, K, D]` with axis 1. */
  gather(x: string, indices: string | readonly number[], axis = 0): string {
    const idx = typeof indices === 'string' ? indices : this.i64(indices);
    return this.node('Gather', [x, idx], { axis: attr.int(axis) })[0];
  }
  /** `TopK` of `k` along `axis`; returns `[values, indices]` (indices int64). */
  topK(
    x: string,
    k: number,
    o: { axis?: number; largest?: boolean; sorted?: boolean } = {},
  ): [string, string] {
    const [values, indices] = this.node(
      'TopK',
      [x, this.i64([k])],
      {
        axis: attr.int(o.axis ?? -1),
        largest: attr.int(o.largest === false ? 0 : 1),
        sorted: attr.int(o.sorted === false ? 0 : 1),
      },
      { outputs: 2 },
    );
    return [values, indices];
  }

  // ---- convolution and resampling ------------------------------------------------------------

  /**
   * `Conv` (1-D, 2-D or 3-D by the weight's rank): `x` `[N, C, D, H, W]`, `weight` `[M, C / group, kD, kH, kW]`,
   * optional `bias` `[M]`. `pads` lists begins then ends, as ONNX does.
   */
  conv(
    x: string,
    weight: string,
    bias?: string,
    o: {
      strides?: readonly number[];
      pads?: readonly number[];
      dilations?: readonly number[];
      group?: number;
    } = {},
  ): string {
    return this.node('Conv', bias ? [x, weight, bias] : [x, weight], {
      strides: o.strides && attr.ints(o.strides),
      pads: o.pads && attr.ints(o.pads),
      dilations: o.dilations && attr.ints(o.dilations),
      group: o.group === undefined ? undefined : attr.int(o.group),
    })[0];
  }

  /**
   * `Resize` by per-axis `scales` or to `sizes` (exactly one). `mode` nearest (floor, asymmetric by
   * default) or linear (half_pixel by default).
   */
  resize(
    x: string,
    o: {
      scales?: readonly number[];
      sizes?: readonly number[];
      mode?: 'nearest' | 'linear';
      coordinateTransformationMode?: 'half_pixel' | 'asymmetric' | 'align_corners' | 'pytorch_half_pixel';
      nearestMode?: 'floor' | 'round_prefer_floor' | 'round_prefer_ceil' | 'ceil';
    },
  ): string {
    if ((o.scales === undefined) === (o.sizes === undefined))
      throw new OnnxGraphError('resize needs exactly one of scales or sizes', { op: 'Resize', name: x });
    const mode = o.mode ?? 'nearest';
    const inputs = [x, '', o.scales ? this.f32(o.scales, [o.scales.length]) : ''];
    if (o.sizes) inputs.push(this.i64(o.sizes));
    const attrs: Record<string, AttrValue> = {
      mode: attr.string(mode),
      coordinate_transformation_mode: attr.string(
        o.coordinateTransformationMode ?? (mode === 'nearest' ? 'asymmetric' : 'half_pixel'),
      ),
    };
    if (mode === 'nearest') attrs.nearest_mode = attr.string(o.nearestMode ?? 'floor');
    return this.node('Resize', inputs, attrs)[0];
  }

  /** A `Constant` node holding `value` (an alternative to an initializer). */
  constant(value: ConstTensor): string {
    return this.node('Constant', [], { value: attr.tensor(value) })[0];
  }
}

function toHalfBits(data: Float32Array): Uint16Array {
  const out = new Uint16Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = float32ToFloat16(data[i]);
  return out;
}
