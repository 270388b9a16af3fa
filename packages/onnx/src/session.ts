import { readFile } from 'node:fs/promises';
import { assertShape, sizeOf } from '@vfmkit/core';
import type { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-node';
import ort from 'onnxruntime-node';
import { arrayMatches, type ElemType, type TypedTensor } from './dtype';
import { CudaUnavailableError, OnnxRunError, OnnxSessionError } from './errors';
import type { GraphCore } from './graph-core';
import { cudaProviderFiles } from './internal/cuda-probe';

/** Where a session runs: `auto` tries CUDA and falls back to CPU; `cuda` requires it; `cpu` never tries it. */
export type Device = 'auto' | 'cuda' | 'cpu';

/** The execution provider a session actually runs on. */
export type Provider = 'cuda' | 'cpu';

/** Options of {@link openSession}. */
export interface SessionOptions {
  /** Default `'auto'`. */
  device?: Device;
  /** Intra-op threads (ORT's default, one per core, when omitted). */
  threads?: number;
  /**
   * Whether idle intra-op threads spin waiting for work (ONNX Runtime's default: true). Spinning helps a
   * little on an idle machine; on a machine shared with other jobs it steals their cores and measured up
   * to 1.4-1.6x slower here (BENCHMARKS.md, vit-encoder fusions), so pass `false` there.
   */
  spinning?: boolean;
  /** Graph optimisation level (default `'all'`). */
  optimization?: 'disabled' | 'basic' | 'extended' | 'all';
  /** CUDA device index (default 0). */
  cudaDevice?: number;
  /** Where the one-line fallback notice goes (default `console.warn`). */
  log?: (line: string) => void;
  /**
   * Reuse output buffers across `run` calls with the same input shapes (default true). Returned arrays
   * are then overwritten by the next such call: copy what you keep.
   */
  reuseOutputs?: boolean;
}

/** Name, element type and dims (numbers, or symbolic names) of a model input or output. */
export interface ValueSpec {
  readonly name: string;
  readonly dtype: ElemType;
  readonly dims: readonly (number | string | null)[];
}

/** How to get ONNX Runtime's CUDA provider. */
export const CUDA_INSTALL_HINT =
  'install the CUDA execution provider: on a Linux x64 machine with internet access, CUDA 12 and cuDNN 9, run ' +
  '`ONNXRUNTIME_NODE_INSTALL=cuda12 npm install onnxruntime-node` (or `npm rebuild onnxruntime-node` with that variable set)';

let cudaUnavailableReason: string | undefined;
let fallbackLogged = false;

/**
 * Opens an ONNX Runtime session on a model file path, model bytes, or a {@link GraphCore} builder.
 * With `device: 'auto'` it tries the CUDA provider and, when that fails to load, logs one line with the
 * cause and runs on CPU; `session.provider` says which one runs.
 * @throws CudaUnavailableError for `device: 'cuda'` when the CUDA provider cannot be loaded.
 * @throws OnnxSessionError when ONNX Runtime rejects the model.
 */
export async function openSession(
  model: string | Uint8Array | GraphCore,
  options: SessionOptions = {},
): Promise<OnnxSession> {
  const device = options.device ?? 'auto';
  const bytes =
    typeof model === 'string'
      ? new Uint8Array(await readFile(model))
      : model instanceof Uint8Array
        ? model
        : model.toBuffer();
  const label = typeof model === 'string' ? model : `<${bytes.length} bytes>`;
  const base: InferenceSession.SessionOptions = {
    graphOptimizationLevel: options.optimization ?? 'all',
    ...(options.threads ? { intraOpNumThreads: options.threads, interOpNumThreads: 1 } : {}),
    ...(options.spinning === false
      ? { extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } } }
      : {}),
  };
  if (device !== 'cpu') {
    const tried = await tryCuda(bytes, base, options.cudaDevice ?? 0);
    if ('session' in tried) return new OnnxSession(tried.session, 'cuda', options.reuseOutputs ?? true);
    if (device === 'cuda') {
      throw new CudaUnavailableError(
        `device 'cuda' was requested but ONNX Runtime's CUDA provider is unavailable (${tried.reason}); ${CUDA_INSTALL_HINT}`,
        { hint: CUDA_INSTALL_HINT, reason: tried.reason },
        { cause: tried.cause },
      );
    }
    if (!fallbackLogged) {
      fallbackLogged = true;
      (options.log ?? console.warn)(`[@vfmkit/onnx] CUDA unavailable, running on CPU: ${tried.reason}`);
    }
  }
  try {
    const session = await ort.InferenceSession.create(bytes, { ...base, executionProviders: ['cpu'] });
    return new OnnxSession(session, 'cpu', options.reuseOutputs ?? true);
  } catch (cause) {
    throw new OnnxSessionError(
      `ONNX Runtime could not load ${label}: ${(cause as Error).message}`,
      { model: label },
      { cause },
    );
  }
}

async function tryCuda(
  bytes: Uint8Array,
  base: InferenceSession.SessionOptions,
  deviceId: number,
): Promise<{ session: InferenceSession } | { reason: string; cause?: unknown }> {
  if (cudaUnavailableReason !== undefined) return { reason: cudaUnavailableReason };
  const files = cudaProviderFiles();
  if (files.known && files.missing.length > 0) {
    // Loading would fail (and ORT would print its own error); say precisely why instead.
    cudaUnavailableReason = `provider libraries not installed (${files.missing.join(', ')} missing in ${files.dir})`;
    return { reason: cudaUnavailableReason };
  }
  try {
    const session = await ort.InferenceSession.create(bytes, {
      ...base,
      executionProviders: [{ name: 'cuda', deviceId }, 'cpu'],
    });
    return { session };
  } catch (cause) {
    const msg = (cause as Error).message ?? String(cause);
    if (!/cuda|provider|shared library|libcu/i.test(msg))
      throw new OnnxSessionError(`ONNX Runtime could not load the model: ${msg}`, {}, { cause });
    cudaUnavailableReason = `provider failed to load: ${msg}`;
    return { reason: cudaUnavailableReason, cause };
  }
}

/** For tests: forget the cached CUDA probe and the once-only fallback notice. */
export function resetCudaProbe(): void {
  cudaUnavailableReason = undefined;
  fallbackLogged = false;
}

/**
 * An open ONNX Runtime session. `run` takes and returns {@link TypedTensor}s; inputs are checked against
 * the model (names, dtypes, ranks, fixed dims) before ORT sees them.
 */
export class OnnxSession {
  readonly inputs: readonly ValueSpec[];
  readonly outputs: readonly ValueSpec[];
  private readonly cache = new Map<string, Record<string, OrtTensor>>();

  constructor(
    private readonly session: InferenceSession,
    /** The provider that runs this session: `'cuda'` or `'cpu'`. */
    readonly provider: Provider,
    private readonly reuseOutputs: boolean,
  ) {
    this.inputs = session.inputMetadata.map(specOf);
    this.outputs = session.outputMetadata.map(specOf);
  }

  /**
   * Runs the model on `feeds` (one tensor per input, e.g. `tokens` `[B, N, D]`). Returns every output by
   * name. Outputs of a previous call with the same input shapes are reused (overwritten) unless
   * `reuseOutputs: false` was given.
   * @throws OnnxRunError for unknown, missing or mistyped inputs; ShapeError for wrong ranks or fixed dims.
   */
  async run(feeds: Readonly<Record<string, TypedTensor>>): Promise<Record<string, TypedTensor>> {
    const ortFeeds: Record<string, OrtTensor> = {};
    for (const name of Object.keys(feeds)) {
      if (!this.inputs.some((s) => s.name === name)) {
        throw new OnnxRunError(
          `unknown input '${name}' (model inputs: ${this.inputs.map((s) => s.name).join(', ')})`,
          { input: name },
        );
      }
    }
    const bound: Record<string, number> = {};
    for (const spec of this.inputs) {
      const t = feeds[spec.name];
      if (!t) throw new OnnxRunError(`missing input '${spec.name}'`, { input: spec.name });
      if (t.dtype !== spec.dtype || !arrayMatches(t.dtype, t.data)) {
        throw new OnnxRunError(
          `input '${spec.name}' must be ${spec.dtype}, got ${t.dtype} in a ${t.data.constructor.name}`,
          {
            input: spec.name,
            expected: spec.dtype,
            actual: t.dtype,
          },
        );
      }
      Object.assign(bound, assertShape(spec.name, t.dims, spec.dims, bound));
      if (t.data.length !== sizeOf(t.dims)) {
        throw new OnnxRunError(
          `input '${spec.name}': ${t.data.length} elements do not fill [${t.dims.join(', ')}]`,
          { input: spec.name },
        );
      }
      ortFeeds[spec.name] = new ort.Tensor(t.dtype, t.data, t.dims);
    }
    const key = this.inputs.map((s) => feeds[s.name].dims.join('x')).join('|');
    const prealloc = this.reuseOutputs ? this.cache.get(key) : undefined;
    let result: InferenceSession.OnnxValueMapType;
    try {
      result = prealloc ? await this.session.run(ortFeeds, prealloc) : await this.session.run(ortFeeds);
    } catch (cause) {
      throw new OnnxRunError(`ONNX Runtime failed: ${(cause as Error).message}`, {}, { cause });
    }
    const out: Record<string, TypedTensor> = {};
    const keep: Record<string, OrtTensor> = {};
    for (const spec of this.outputs) {
      const src = (prealloc?.[spec.name] ?? result[spec.name]) as OrtTensor;
      const dtype = src.type as ElemType;
      out[spec.name] = { dtype, data: src.data as TypedTensor['data'], dims: [...src.dims] };
      keep[spec.name] = src;
    }
    if (this.reuseOutputs && !prealloc) this.cache.set(key, keep);
    return out;
  }

  /** Releases the native session. */
  async dispose(): Promise<void> {
    this.cache.clear();
    await this.session.release();
  }
}

function specOf(m: InferenceSession.ValueMetadata): ValueSpec {
  if (!m.isTensor) return { name: m.name, dtype: 'float32', dims: [] };
  return { name: m.name, dtype: m.type as ElemType, dims: m.shape.map((d) => (d === '' ? null : d)) };
}
