import { ConfigError } from '@vfmkit/core';
import type { Embedder } from './embedder';
import { hash32, ngrams, tokenize } from './text';

/** Options of {@link HashingEmbedder}. */
export interface HashingEmbedderOptions {
  /** Output dimension `D` (default 256). */
  dim?: number;
  /** Longest word n-gram (default 2: words and word pairs). */
  maxN?: number;
  /** Hash functions per n-gram, i.e. non-zeros per column of the projection (default 4). */
  hashes?: number;
  /** Seed of the hash family (default 0). */
  seed?: number;
}

/**
 * A real, model-free text embedding: the bag of word n-grams of a text (weights `1 + ln tf`,
 * stopwords dropped, see `tokenize`) multiplied by a fixed sparse random projection into `D` dimensions,
 * then L2-normalised. Each n-gram's column of the projection has `hashes` non-zeros of value
 * `+-1/sqrt(hashes)` at positions and signs drawn from seeded 32-bit hashes (signed feature hashing,
 * Weinberger et al. 2009; a sparse Johnson-Lindenstrauss projection, Kane and Nelson 2014), so inner
 * products between embeddings approximate inner products between the n-gram count vectors.
 *
 * What it is: lexical similarity (shared words and word pairs) in a dense vector, deterministic and
 * offline: the default embedder and the one tests use. What it is not: semantic. Synonyms and
 * paraphrases do not match; plug a trained model in through {@link Embedder} for that. It has no video tower.
 */
export class HashingEmbedder implements Embedder {
  readonly dim: number;
  readonly name: string;
  private readonly maxN: number;
  private readonly hashes: number;
  private readonly seed: number;
  private readonly cache = new Map<string, Int32Array>();

  constructor(options: HashingEmbedderOptions = {}) {
    this.dim = options.dim ?? 256;
    this.maxN = options.maxN ?? 2;
    this.hashes = options.hashes ?? 4;
    this.seed = options.seed ?? 0;
    if (!Number.isInteger(this.dim) || this.dim < 8 || this.dim > 65536)
      throw new ConfigError(`HashingEmbedder dim must be an integer in [8, 65536], got ${this.dim}`, {
        key: 'dim',
        value: this.dim,
      });
    if (!Number.isInteger(this.maxN) || this.maxN < 1 || this.maxN > 4)
      throw new ConfigError(`HashingEmbedder maxN must be 1-4, got ${this.maxN}`, {
        key: 'maxN',
        value: this.maxN,
      });
    if (!Number.isInteger(this.hashes) || this.hashes < 1 || this.hashes > 16)
      throw new ConfigError(`HashingEmbedder hashes must be 1-16, got ${this.hashes}`, {
        key: 'hashes',
        value: this.hashes,
      });
    this.name = `hashing-bow-d${this.dim}-n${this.maxN}-h${this.hashes}-s${this.seed}`;
  }

  async embedText(texts: readonly string[]): Promise<Float32Array[]> {
    return texts.map((t) => this.embedOne(t));
  }

  /** The embedding of one text, `[D]`, synchronously. */
  embedOne(text: string): Float32Array {
    const counts = new Map<string, number>();
    for (const g of ngrams(tokenize(text), this.maxN)) counts.set(g, (counts.get(g) ?? 0) + 1);
    const out = new Float32Array(this.dim);
    const scale = 1 / Math.sqrt(this.hashes);
    for (const [gram, tf] of counts) {
      const w = (1 + Math.log(tf)) * scale;
      const slots = this.slots(gram);
      for (let j = 0; j < slots.length; j++) {
        const s = slots[j];
        if (s >= 0) out[s] += w;
        else out[-s - 1] -= w;
      }
    }
    let norm = 0;
    for (let i = 0; i < out.length; i++) norm += out[i] * out[i];
    if (norm > 0) {
      const inv = 1 / Math.sqrt(norm);
      for (let i = 0; i < out.length; i++) out[i] *= inv;
    }
    return out;
  }

  /** Signed positions of an n-gram's column: `p` for +1 at p, `-p-1` for -1 at p. */
  private slots(gram: string): Int32Array {
    let s = this.cache.get(gram);
    if (s) return s;
    s = new Int32Array(this.hashes);
    for (let j = 0; j < this.hashes; j++) {
      const h = hash32(gram, (this.seed * 31 + j * 0x9e3779b1) >>> 0);
      const pos = (h >>> 1) % this.dim;
      s[j] = h & 1 ? pos : -pos - 1;
    }
    if (this.cache.size < 200_000) this.cache.set(gram, s);
    return s;
  }
}
