/**
 * Vectors of one store column kept in memory for an exact cosine scan: rows of a growable
 * `[capacity, D]` Float32Array matrix with their inverse norms, keyed by item id. Set and delete are
 * O(D) (a deleted row is replaced by the last one). The store keeps it in sync with LanceDB, which
 * stays the source of truth.
 */
export class VectorMatrix {
  private data: Float32Array;
  private invNorms: Float64Array;
  private readonly rowIds: string[] = [];
  private readonly rows = new Map<string, number>();

  constructor(readonly dim: number) {
    this.data = new Float32Array(64 * dim);
    this.invNorms = new Float64Array(64);
  }

  /** Number of vectors. */
  get size(): number {
    return this.rowIds.length;
  }

  has(id: string): boolean {
    return this.rows.has(id);
  }

  /** Adds or replaces the vector of `id` (`[D]`). */
  set(id: string, vector: ArrayLike<number>): void {
    let row = this.rows.get(id);
    if (row === undefined) {
      row = this.rowIds.length;
      if ((row + 1) * this.dim > this.data.length) this.grow(Math.max(64, 2 * (row + 1)));
      this.rowIds.push(id);
      this.rows.set(id, row);
    }
    const off = row * this.dim;
    let norm = 0;
    for (let j = 0; j < this.dim; j++) {
      const x = vector[j];
      this.data[off + j] = x;
      norm += Math.fround(x) * Math.fround(x);
    }
    this.invNorms[row] = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  }

  /** Removes the vector of `id` (absent ids are ignored). */
  delete(id: string): void {
    const row = this.rows.get(id);
    if (row === undefined) return;
    const last = this.rowIds.length - 1;
    if (row !== last) {
      const moved = this.rowIds[last];
      this.data.copyWithin(row * this.dim, last * this.dim, (last + 1) * this.dim);
      this.invNorms[row] = this.invNorms[last];
      this.rowIds[row] = moved;
      this.rows.set(moved, row);
    }
    this.rowIds.pop();
    this.rows.delete(id);
  }

  /**
   * The `limit` rows most cosine-similar to `query` (`[D]`), best first (ties: lower row first), among the
   * ids that pass `accept`. A zero query or row scores 0. Accumulates in float64.
   */
  search(
    query: ArrayLike<number>,
    limit: number,
    accept?: (id: string) => boolean,
  ): { id: string; score: number }[] {
    const d = this.dim;
    const q = new Float64Array(d);
    let qn = 0;
    for (let j = 0; j < d; j++) {
      q[j] = query[j];
      qn += q[j] * q[j];
    }
    const qInv = qn > 0 ? 1 / Math.sqrt(qn) : 0;
    // the best `limit` so far, sorted by score descending
    const bestScore = new Float64Array(limit);
    const bestRow = new Int32Array(limit);
    let count = 0;
    const data = this.data;
    const n = this.rowIds.length;
    for (let r = 0; r < n; r++) {
      const off = r * d;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let j = 0;
      for (; j + 3 < d; j += 4) {
        s0 += data[off + j] * q[j];
        s1 += data[off + j + 1] * q[j + 1];
        s2 += data[off + j + 2] * q[j + 2];
        s3 += data[off + j + 3] * q[j + 3];
      }
      for (; j < d; j++) s0 += data[off + j] * q[j];
      const score = (s0 + s1 + s2 + s3) * qInv * this.invNorms[r];
      if (count === limit && score <= bestScore[limit - 1]) continue;
      // the filter runs only for rows that would enter the list (most rows never do)
      if (accept && !accept(this.rowIds[r])) continue;
      let at = count < limit ? count++ : limit - 1;
      while (at > 0 && bestScore[at - 1] < score) {
        bestScore[at] = bestScore[at - 1];
        bestRow[at] = bestRow[at - 1];
        at--;
      }
      bestScore[at] = score;
      bestRow[at] = r;
    }
    const out: { id: string; score: number }[] = [];
    for (let i = 0; i < count; i++) out.push({ id: this.rowIds[bestRow[i]], score: bestScore[i] });
    return out;
  }

  private grow(rows: number): void {
    const data = new Float32Array(rows * this.dim);
    data.set(this.data);
    this.data = data;
    const inv = new Float64Array(rows);
    inv.set(this.invNorms);
    this.invNorms = inv;
  }
}
