import { endianness } from 'node:os';
import { writeFileAtomic } from '@vfmkit/core';
import type { Attrs, ConstTensor } from './attributes';
import { type ElemType, elemTypeOf, ONNX_DATA_TYPE } from './dtype';
import { OnnxGraphError } from './errors';
import { modelProtoType } from './internal/onnx-proto';

/** A tensor dimension: a fixed size, or a symbolic name (e.g. `'batch'`, `'tokens'`) bound at run time. */
export type Dim = number | string;

/** Options of a graph: its name, opset, metadata and the model config stored with it. */
export interface GraphOptions {
  /** Graph name (default `'vfmkit'`). */
  name?: string;
  /** Default-domain opset version, 17 to 21 (default 17). */
  opset?: number;
  /** The model's config; stored as JSON under the metadata key `config`. */
  config?: unknown;
  /** Further metadata entries (`metadata_props`). */
  metadata?: Readonly<Record<string, string>>;
  /** `producer_name` (default `'vfmkit'`). */
  producer?: string;
  /** Documentation string of the model. */
  doc?: string;
}

/** IR version that goes with each supported opset (onnx/docs/Versioning.md). */
const IR_FOR_OPSET: Readonly<Record<number, number>> = { 17: 8, 18: 8, 19: 9, 20: 9, 21: 10 };

interface ValueInfo {
  name: string;
  dtype: ElemType;
  dims?: readonly Dim[];
}

interface NodeRecord {
  op: string;
  domain: string;
  name: string;
  inputs: string[];
  outputs: string[];
  attrs: Attrs;
}

interface InitRecord {
  name: string;
  tensor: ConstTensor;
}

/**
 * The name-checked core of the ONNX graph builder: graph inputs (with symbolic dims), initializers,
 * generic nodes and outputs, serialised to an ONNX `ModelProto`. Every node input must already be
 * defined (graph input, initializer or earlier node output) and every defined name is unique, so a
 * malformed graph throws {@link OnnxGraphError} here, not inside ONNX Runtime.
 * Op helpers live in {@link GraphBuilder}, which extends this class.
 */
export class GraphCore {
  readonly opset: number;
  protected readonly options: GraphOptions;
  private readonly defined = new Map<string, string>();
  private readonly inputs: ValueInfo[] = [];
  private readonly outputs: ValueInfo[] = [];
  private readonly nodes: NodeRecord[] = [];
  private readonly inits: InitRecord[] = [];
  private readonly domains = new Map<string, number>();
  private readonly scopes: string[] = [];
  private counter = 0;

  constructor(options: GraphOptions = {}) {
    const opset = options.opset ?? 17;
    if (IR_FOR_OPSET[opset] === undefined) {
      throw new OnnxGraphError(`opset ${opset} is not supported (use 17 to 21)`, { opset });
    }
    this.opset = opset;
    this.options = options;
  }

  /** Whether `name` is defined (graph input, initializer or node output). */
  has(name: string): boolean {
    return this.defined.has(name);
  }

  /** A fresh value name with the current scope prefix, e.g. `block0/matmul_12`. */
  fresh(base: string): string {
    const prefix = this.scopes.length ? `${this.scopes.join('/')}/` : '';
    let name: string;
    do name = `${prefix}${base}_${this.counter++}`;
    while (this.defined.has(name));
    return name;
  }

  /** Runs `fn` with `prefix` prepended to generated names (nested scopes join with `/`). */
  scope<T>(prefix: string, fn: () => T): T {
    this.scopes.push(prefix);
    try {
      return fn();
    } finally {
      this.scopes.pop();
    }
  }

  /**
   * Declares a graph input, e.g. `input('tokens', 'float32', ['batch', 'tokens', 384])` for `[B, N, D]`
   * with symbolic `B` and `N`. Returns its name.
   */
  input(name: string, dtype: ElemType, dims: readonly Dim[]): string {
    this.define(name, 'graph input');
    this.inputs.push({ name, dtype, dims: checkDims(name, dims) });
    return name;
  }

  /**
   * Adds a constant tensor (weights, shapes, indices) stored in the model. Returns its name; a name is
   * generated when `name` is omitted.
   */
  initializer(tensor: ConstTensor, name?: string): string {
    const n = name ?? this.fresh('const');
    const count = tensor.dims.reduce((a, b) => a * b, 1);
    if (tensor.data.length !== count) {
      throw new OnnxGraphError(
        `initializer ${n}: ${tensor.data.length} elements do not fill dims [${tensor.dims.join(', ')}]`,
        { name: n, dims: [...tensor.dims], length: tensor.data.length },
      );
    }
    checkDims(n, tensor.dims);
    this.define(n, 'initializer');
    this.inits.push({ name: n, tensor });
    return n;
  }

  /**
   * Adds one node. `inputs` may contain `''` for an omitted optional input. `outputs` is a count
   * (names generated) or explicit names. Returns the output names.
   * @throws OnnxGraphError when an input is undefined or an output name is already defined.
   */
  node(
    op: string,
    inputs: readonly string[],
    attrs: Attrs = {},
    opts: { outputs?: number | readonly string[]; domain?: string; name?: string } = {},
  ): string[] {
    for (const [i, input] of inputs.entries()) {
      if (input === '') continue;
      if (typeof input !== 'string' || !this.defined.has(input)) {
        throw new OnnxGraphError(
          `${op}: input ${i} '${String(input)}' is not defined (no graph input, initializer or earlier node output has that name)`,
          { name: String(input), op, index: i },
        );
      }
    }
    const spec = opts.outputs ?? 1;
    const outputs =
      typeof spec === 'number' ? Array.from({ length: spec }, () => this.fresh(op.toLowerCase())) : [...spec];
    for (const o of outputs) this.define(o, `output of ${op}`);
    const domain = opts.domain ?? '';
    if (domain !== '' && !this.domains.has(domain)) this.domains.set(domain, 1);
    this.nodes.push({
      op,
      domain,
      name: opts.name ?? this.fresh(`${op}_node`),
      inputs: [...inputs],
      outputs,
      attrs,
    });
    return outputs;
  }

  /**
   * Marks `value` as a graph output with element type `dtype` and optional dims (symbolic allowed).
   * When `name` differs from `value`, an `Identity` node gives the output that name. Returns the name.
   */
  output(value: string, dtype: ElemType, opts: { name?: string; dims?: readonly Dim[] } = {}): string {
    let name = value;
    if (!this.defined.has(value)) {
      throw new OnnxGraphError(`output '${value}' is not defined`, { name: value });
    }
    if (opts.name !== undefined && opts.name !== value)
      [name] = this.node('Identity', [value], {}, { outputs: [opts.name] });
    if (this.outputs.some((o) => o.name === name)) {
      throw new OnnxGraphError(`'${name}' is already a graph output`, { name });
    }
    this.outputs.push({ name, dtype, dims: opts.dims ? checkDims(name, opts.dims) : undefined });
    return name;
  }

  /** Counts of what the graph holds (for logs and tests). */
  summary(): {
    inputs: number;
    outputs: number;
    nodes: number;
    initializers: number;
    ops: Record<string, number>;
  } {
    const ops: Record<string, number> = {};
    for (const n of this.nodes) ops[n.op] = (ops[n.op] ?? 0) + 1;
    return {
      inputs: this.inputs.length,
      outputs: this.outputs.length,
      nodes: this.nodes.length,
      initializers: this.inits.length,
      ops,
    };
  }

  /** Serialises the model to ONNX protobuf bytes. @throws OnnxGraphError if the graph has no output. */
  toBuffer(): Uint8Array {
    if (this.outputs.length === 0) throw new OnnxGraphError('the graph has no outputs; call output() first');
    if (endianness() !== 'LE') throw new OnnxGraphError('writing ONNX raw_data needs a little-endian host');
    const metadata: Record<string, string> = { ...(this.options.metadata ?? {}) };
    if (this.options.config !== undefined) metadata.config = JSON.stringify(this.options.config);
    const model = {
      ir_version: IR_FOR_OPSET[this.opset],
      producer_name: this.options.producer ?? 'vfmkit',
      producer_version: '0.1.0',
      doc_string: this.options.doc ?? '',
      opset_import: [
        { domain: '', version: this.opset },
        ...[...this.domains].map(([domain, version]) => ({ domain, version })),
      ],
      metadata_props: Object.entries(metadata).map(([key, value]) => ({ key, value })),
      graph: {
        name: this.options.name ?? 'vfmkit',
        node: this.nodes.map(encodeNode),
        initializer: this.inits.map((i) => encodeTensor(i.tensor, i.name)),
        input: this.inputs.map(encodeValueInfo),
        output: this.outputs.map(encodeValueInfo),
      },
    };
    const type = modelProtoType();
    return type.encode(type.fromObject(model)).finish();
  }

  /** Writes the model atomically to `path` (temp file, then rename). */
  async writeFile(path: string): Promise<void> {
    await writeFileAtomic(path, [this.toBuffer()]);
  }

  private define(name: string, what: string): void {
    if (typeof name !== 'string' || name === '') {
      throw new OnnxGraphError(`a ${what} needs a non-empty name`, { name: String(name) });
    }
    const prior = this.defined.get(name);
    if (prior !== undefined) {
      throw new OnnxGraphError(`'${name}' is defined twice (as ${prior} and as ${what})`, {
        name,
        prior,
        what,
      });
    }
    this.defined.set(name, what);
  }
}

function checkDims(name: string, dims: readonly Dim[]): Dim[] {
  for (const d of dims) {
    const ok = typeof d === 'string' ? d.length > 0 : Number.isInteger(d) && d >= 0;
    if (!ok)
      throw new OnnxGraphError(`${name}: bad dim ${String(d)} in [${dims.join(', ')}]`, {
        name,
        dims: [...dims],
      });
  }
  return [...dims];
}

function encodeValueInfo(v: ValueInfo) {
  const shape = v.dims
    ? { dim: v.dims.map((d) => (typeof d === 'string' ? { dim_param: d } : { dim_value: d })) }
    : undefined;
  return { name: v.name, type: { tensor_type: { elem_type: ONNX_DATA_TYPE[v.dtype], shape } } };
}

/** A `TensorProto` object with little-endian `raw_data`. */
export function encodeTensor(t: ConstTensor, name = '') {
  const dtype = t.dtype ?? elemTypeOf(t.data);
  const d = t.data;
  return {
    name,
    dims: [...t.dims],
    data_type: ONNX_DATA_TYPE[dtype],
    raw_data: new Uint8Array(d.buffer, d.byteOffset, d.byteLength),
  };
}

function encodeNode(n: NodeRecord) {
  const attribute = Object.entries(n.attrs)
    .filter(([, a]) => a !== undefined)
    .map(([name, a]) => {
      switch (a!.type) {
        case 'float':
          return { name, type: 1, f: a!.value };
        case 'int':
          return { name, type: 2, i: a!.value };
        case 'string':
          return { name, type: 3, s: new TextEncoder().encode(a!.value) };
        case 'tensor':
          return { name, type: 4, t: encodeTensor(a!.value) };
        case 'floats':
          return { name, type: 6, floats: a!.value };
        case 'ints':
          return { name, type: 7, ints: a!.value };
        case 'strings':
          return { name, type: 8, strings: a!.value.map((s) => new TextEncoder().encode(s)) };
        default:
          throw new OnnxGraphError(`attribute ${name} of ${n.op} has an unknown type`, { name, op: n.op });
      }
    });
  return {
    name: n.name,
    op_type: n.op,
    domain: n.domain,
    input: n.inputs,
    output: n.outputs,
    attribute,
  };
}
