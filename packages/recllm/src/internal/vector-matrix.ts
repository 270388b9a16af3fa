/**
 * Vectors of one store column kept in memory for an exact cosine scan, keyed by item id: a growable
 * float32 matrix stored column by column (`data[j * capacity + row]`), so a search runs one
 * multiply-add pass per non-zero query component over all rows (sparse queries, like the hashing
 * embedder's, skip most of the matrix), with each row's inverse norm. Set and delete are O(D) (a
 * deleted row is replaced by the last one). The store keeps it in sync with LanceDB, which stays the
 * source of truth.
 */
export class VectorMatrix {
  private capacity = 64;
  private data: Float32Array;
  private invNorms: Float64Array;
  private scores: Float64Array;
  private readonly rowIds: string[] = [];
  private readonly rows = new Map<string, number>();

  constructor(readonly dim: number) {
    this.data = new Float32Array(this.capacity * dim);
    this.invNorms = new Float64Array(this.capacity);
    this.scores = new Float64Array(this.capacity);
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
      if (row >= this.capacity) this.grow(2 * this.capacity);
      this.rowIds.push(id);
      this.rows.set(id, row);
    }
    const cap = this.capacity;
    let norm = 0;
    for (let j = 0; j < this.dim; j++) {
      const x = Math.fround(vector[j]);
      this.data[j * cap + row] = x;
      norm += x * x;
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
      const cap = this.capacity;
      for (let j = 0; j < this.dim; j++) this.data[j * cap + row] = this.data[j * cap + last];
      this.invNorms[row] = this.invNorms[last];
      this.rowIds[row] = moved;
      this.rows.set(moved, row);
    }
    this.rowIds.pop();
    this.rows.delete(id);
  }

  /**
   * The `limit` rows most cosine-similar to `query` (`[D]`), best first (ties: lower row first), among the
   * ids that pass `accept` (called only for rows that would enter the list). A zero query or row scores
   * 0. Accumulates in float64.
   */
  search(
    query: ArrayLike<number>,
    limit: number,
    accept?: (id: string) => boolean,
  ): { id: string; score: number }[] {
    const n = this.rowIds.length;
    const cap = this.capacity;
    const data = this.data;
    const scores = this.scores;
    scores.fill(0, 0, n);
    let qn = 0;
    for (let j = 0; j < this.dim; j++) {
      const w = query[j];
      if (w === 0) continue;
      qn += w * w;
      const base = j * cap;
      for (let r = 0; r < n; r++) scores[r] += w * data[base + r];
    }
    const qInv = qn > 0 ? 1 / Math.sqrt(qn) : 0;
    // the best `limit` so far, sorted by score descending
    const bestScore = new Float64Array(Math.max(0, limit));
    const bestRow = new Int32Array(Math.max(0, limit));
    let count = 0;
    for (let r = 0; r < n && limit > 0; r++) {
      const score = scores[r] * qInv * this.invNorms[r];
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

  private grow(capacity: number): void {
    const data = new Float32Array(capacity * this.dim);
    const n = this.rowIds.length;
    for (let j = 0; j < this.dim; j++)
      data.set(this.data.subarray(j * this.capacity, j * this.capacity + n), j * capacity);
    this.data = data;
    const inv = new Float64Array(capacity);
    inv.set(this.invNorms);
    this.invNorms = inv;
    this.scores = new Float64Array(capacity);
    this.capacity = capacity;
  }
}
