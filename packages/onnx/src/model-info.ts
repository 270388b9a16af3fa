import { readFile } from 'node:fs/promises';
import { OnnxGraphError } from './errors';
import { modelProtoType } from './internal/onnx-proto';

/** What an ONNX file says about itself: opsets, producer, metadata and the stored model config. */
export interface ModelInfo {
  readonly irVersion: number;
  readonly opsets: Readonly<Record<string, number>>;
  readonly producer: string;
  readonly metadata: Readonly<Record<string, string>>;
  /** `JSON.parse(metadata.config)` when present. */
  readonly config?: unknown;
  readonly graphName: string;
  readonly nodeCount: number;
  readonly ops: Readonly<Record<string, number>>;
}

/**
 * Reads the header of an ONNX model (file path or bytes): opsets, metadata and the JSON config that
 * {@link GraphCore} stores under `config`.
 * @throws OnnxGraphError when the bytes are not an ONNX ModelProto.
 */
export async function readModelInfo(model: string | Uint8Array): Promise<ModelInfo> {
  const bytes = typeof model === 'string' ? new Uint8Array(await readFile(model)) : model;
  let m: Record<string, unknown>;
  try {
    const type = modelProtoType();
    m = type.toObject(type.decode(bytes), { longs: Number, defaults: true, bytes: Array }) as Record<
      string,
      unknown
    >;
  } catch (cause) {
    throw new OnnxGraphError(`not an ONNX model: ${(cause as Error).message}`, {
      name: typeof model === 'string' ? model : '<bytes>',
    });
  }
  const opsets: Record<string, number> = {};
  for (const o of m.opset_import as { domain: string; version: number }[])
    opsets[o.domain || 'ai.onnx'] = o.version;
  const metadata: Record<string, string> = {};
  for (const e of m.metadata_props as { key: string; value: string }[]) metadata[e.key] = e.value;
  const graph = (m.graph ?? { node: [], name: '' }) as { node: { op_type: string }[]; name: string };
  const ops: Record<string, number> = {};
  for (const n of graph.node) ops[n.op_type] = (ops[n.op_type] ?? 0) + 1;
  return {
    irVersion: m.ir_version as number,
    opsets,
    producer: m.producer_name as string,
    metadata,
    config: metadata.config === undefined ? undefined : JSON.parse(metadata.config),
    graphName: graph.name,
    nodeCount: graph.node.length,
    ops,
  };
}
