import { ConfigError } from './errors';

/** The full state of an {@link Rng}: four unsigned 32-bit words. Save it to resume a stream exactly. */
export type RngState = readonly [number, number, number, number];

/** splitmix32: spreads a 32-bit seed over the state words (as recommended by xoshiro's authors). */
function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

const TWO_POW_32 = 4294967296;
const TWO_POW_53 = 9007199254740992;

/**
 * A seeded pseudo-random generator: xoshiro128** (Blackman and Vigna), 32-bit integer arithmetic only,
 * so a seed gives the same stream on every platform and JS engine. Not for cryptography.
 *
 * @example
 * const rng = new Rng(42);
 * rng.uniform(); // [0, 1)
 * rng.int(10);   // 0..9
 * rng.shuffle([1, 2, 3]);
 */
export class Rng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;

  /** @param seed any integer (taken modulo 2^32), or a saved {@link RngState}. */
  constructor(seed: number | RngState = 0) {
    if (typeof seed === 'number') {
      if (!Number.isFinite(seed))
        throw new ConfigError(`Rng seed must be a finite number, got ${seed}`, { key: 'seed', value: seed });
      const mix = splitmix32(Math.trunc(seed) >>> 0);
      this.setState([mix(), mix(), mix(), mix()]);
    } else {
      this.setState(seed);
    }
  }

  /** The current state; `new Rng(rng.state())` continues the same stream. */
  state(): RngState {
    return [this.s0, this.s1, this.s2, this.s3];
  }

  setState(state: RngState): void {
    if (state.length !== 4 || state.some((w) => !Number.isInteger(w) || w < 0 || w >= TWO_POW_32)) {
      throw new ConfigError('Rng state must be four unsigned 32-bit integers', {
        key: 'state',
        value: state,
      });
    }
    if (state.every((w) => w === 0))
      throw new ConfigError('Rng state must not be all zeros', { key: 'state', value: state });
    [this.s0, this.s1, this.s2, this.s3] = state;
  }

  /** Next unsigned 32-bit integer. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    this.s0 >>>= 0;
    this.s1 >>>= 0;
    this.s2 >>>= 0;
    this.s3 >>>= 0;
    return result;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextU32() >>> 5; // 27 bits
    const lo = this.nextU32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / TWO_POW_53;
  }

  /** Uniform double in [lo, hi). */
  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.uniform();
  }

  /** Standard normal (Box-Muller; one value per call, no cached spare, so the state says everything). */
  normal(mean = 0, std = 1): number {
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    return mean + std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Unbiased integer in [0, n), n <= 2^32 (rejection sampling). */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > TWO_POW_32) {
      throw new ConfigError(`Rng.int bound must be an integer in [1, 2^32], got ${n}`, {
        key: 'n',
        value: n,
      });
    }
    const limit = TWO_POW_32 - (TWO_POW_32 % n);
    let x = this.nextU32();
    while (x >= limit) x = this.nextU32();
    return x % n;
  }

  /** Shuffles `items` in place (Fisher-Yates) and returns it. */
  shuffle<T extends { length: number; [i: number]: unknown }>(items: T): T {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i];
      items[i] = items[j];
      items[j] = tmp;
    }
    return items;
  }

  /** A uniformly random permutation of 0..n-1. */
  permutation(n: number): Int32Array {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = i;
    return this.shuffle(out);
  }

  /**
   * `k` distinct integers from [0, n), in random order (sampling without replacement).
   * O(k) memory and time when k is small against n (Floyd), O(n) otherwise (partial Fisher-Yates).
   */
  sample(n: number, k: number): Int32Array {
    if (!Number.isInteger(n) || n < 0)
      throw new ConfigError(`sample: n must be a non-negative integer, got ${n}`, { key: 'n', value: n });
    if (!Number.isInteger(k) || k < 0 || k > n) {
      throw new ConfigError(`sample: k must be an integer in [0, n=${n}], got ${k}`, { key: 'k', value: k });
    }
    if (k * 4 >= n) {
      const pool = new Int32Array(n);
      for (let i = 0; i < n; i++) pool[i] = i;
      for (let i = 0; i < k; i++) {
        const j = i + this.int(n - i);
        const tmp = pool[i];
        pool[i] = pool[j];
        pool[j] = tmp;
      }
      return pool.slice(0, k);
    }
    const chosen = new Set<number>();
    for (let j = n - k; j < n; j++) {
      const t = this.int(j + 1);
      chosen.add(chosen.has(t) ? j : t);
    }
    return this.shuffle(Int32Array.from(chosen));
  }

  /** An independent generator seeded from this one (advances this stream by four draws). */
  fork(): Rng {
    const mix = splitmix32(this.nextU32() ^ this.nextU32() ^ this.nextU32() ^ this.nextU32());
    return new Rng([mix(), mix(), mix(), (mix() | 1) >>> 0]);
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** Accepts a seed or an existing generator, as every stochastic vfmkit function does. */
export type SeedOrRng = number | Rng;

/** Returns `seedOrRng` when it is an {@link Rng}, otherwise a new one seeded with it. */
export function toRng(seedOrRng: SeedOrRng): Rng {
  return seedOrRng instanceof Rng ? seedOrRng : new Rng(seedOrRng);
}
