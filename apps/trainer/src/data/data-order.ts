import { Rng } from '@vfmkit/core';

/**
 * The seeded order in which a run visits a dataset. Position p (clips consumed so far) maps to
 * epoch `floor(p / size)` and the `p % size`-th entry of that epoch's permutation, drawn from
 * `(seed, epoch)`. The whole data state is the single integer `position`, so a resumed run sees
 * exactly the clips the uninterrupted run would have seen. An unbounded source is visited in order.
 */
export class DataOrder {
  private epoch = -1;
  private perm: Int32Array = new Int32Array(0);

  constructor(
    readonly size: number,
    readonly seed: number,
    /** Clips consumed so far. */
    public position = 0,
  ) {}

  /** The next `n` dataset indices, without advancing (for read-ahead). */
  peek(n: number): number[] {
    const ahead = new DataOrder(this.size, this.seed, this.position);
    return Array.from({ length: n }, () => ahead.next());
  }

  /** The dataset index at `position`, then advances. */
  next(): number {
    const p = this.position++;
    if (!Number.isFinite(this.size)) return p;
    const epoch = Math.floor(p / this.size);
    if (epoch !== this.epoch) {
      this.perm = new Rng(this.seed * 7_919 + epoch).permutation(this.size);
      this.epoch = epoch;
    }
    return this.perm[p % this.size];
  }
}
