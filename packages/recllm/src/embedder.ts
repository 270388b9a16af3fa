import type { Clip } from '@vfmkit/core';
import { EmbedderError } from './errors';

/**
 * Turns text (and, when the model can, video) into vectors in one shared space. recllm loads no ML
 * runtime: the app plugs in a model (e.g. videoprism-distill's `VideoTextModel` on ONNX Runtime), and
 * tests use {@link HashingEmbedder}.
 */
export interface Embedder {
  /** Vector length `D`. */
  readonly dim: number;
  /** A stable name (model id + version); stored with the corpus so a mismatched embedder is caught. */
  readonly name: string;
  /** One `[D]` vector per text. */
  embedText(texts: readonly string[]): Promise<Float32Array[]>;
  /**
   * One `[D]` vector per clip (`[T, H, W, C]` float32 in [0, 1]), in the same space as the text vectors.
   * Absent when the model has no video tower.
   */
  embedVideo?(clips: readonly Clip[]): Promise<Float32Array[]>;
}

/**
 * Checks an embedder's output: `expected` vectors, each of length `dim`, all finite.
 * @throws EmbedderError naming the embedder and the offending vector.
 */
export function checkEmbeddings(
  embedder: Pick<Embedder, 'dim' | 'name'>,
  vectors: readonly Float32Array[],
  expected: number,
): Float32Array[] {
  if (vectors.length !== expected)
    throw new EmbedderError(
      `embedder '${embedder.name}' returned ${vectors.length} vectors for ${expected} inputs`,
      {
        name: embedder.name,
        expected,
        actual: vectors.length,
      },
    );
  vectors.forEach((v, i) => {
    if (v.length !== embedder.dim)
      throw new EmbedderError(
        `embedder '${embedder.name}' vector ${i} has length ${v.length}, expected ${embedder.dim}`,
        {
          name: embedder.name,
          index: i,
          expected: embedder.dim,
          actual: v.length,
        },
      );
    for (let j = 0; j < v.length; j++)
      if (!Number.isFinite(v[j]))
        throw new EmbedderError(`embedder '${embedder.name}' vector ${i} has a non-finite value at ${j}`, {
          name: embedder.name,
          index: i,
          at: j,
        });
  });
  return [...vectors];
}

/** Cosine similarity of two equal-length vectors (0 when either is all zeros). */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}
