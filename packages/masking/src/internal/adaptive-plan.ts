import { ConfigError, type Rng } from '@vfmkit/core';
import { PriorityError } from '../errors';
import { isNaNBits, selectTopKFloat32 } from './top-k';

/** Scratch buffers reused across calls (single-threaded, synchronous use only). */
let scratch = new Float32Array(0);
let scratchBits = new Int32Array(0);
let picks = new Int32Array(0);

function ensure(c: number): void {
  if (scratch.length < c) {
    scratch = new Float32Array(c);
    scratchBits = new Int32Array(scratch.buffer);
    picks = new Int32Array(c);
  }
}

/** @throws ConfigError unless the temperature is a finite positive number. @internal */
export function checkTemperature(t: number): void {
  if (typeof t !== 'number' || !Number.isFinite(t) || t <= 0) {
    throw new ConfigError(`sampling temperature must be a finite positive number, got ${t}`, {
      key: 'sample.temperature',
      value: t,
    });
  }
}

/**
 * Top-k of the candidates by priority, written as ascending token indices to `out[0 .. k)`.
 * Deterministic mode ranks by (priority descending, token index ascending). Sampling mode (`rng` given)
 * ranks `log(p) / temperature + Gumbel(0, 1)` (Gumbel top-k: k draws without replacement with
 * probability proportional to `p^(1/temperature)`); perturbed keys are rounded to float32 before ranking.
 * `cand === null` means all n tokens.
 * @throws PriorityError for a NaN anywhere in the row (any mode) or a negative candidate priority
 *   (sampling mode). @internal
 */
export function adaptiveRow(
  priority: Float32Array,
  pOff: number,
  n: number,
  cand: Int32Array | null,
  k: number,
  out: Int32Array,
  row: number,
  rng: Rng | null,
  temperature: number,
): number {
  const bits = new Int32Array(priority.buffer, priority.byteOffset, priority.length);
  if (cand === null && rng === null) {
    selectTopKFloat32(bits, pOff, n, k, out, (j) => {
      throw nanError(j, row);
    });
    return k;
  }
  const c = cand === null ? n : cand.length;
  ensure(c);
  if (cand !== null) {
    // Only candidates are ranked, but a NaN anywhere in the row is still a caller bug: report it.
    for (let i = 0; i < n; i++) if (isNaNBits(bits[pOff + i])) throw nanError(i, row);
  }
  if (rng === null) {
    for (let j = 0; j < c; j++) scratch[j] = priority[pOff + (cand as Int32Array)[j]];
  } else {
    const invT = 1 / temperature;
    for (let j = 0; j < c; j++) {
      const t = cand === null ? j : cand[j];
      const p = priority[pOff + t];
      if (!(p >= 0)) {
        if (Number.isNaN(p)) throw nanError(t, row);
        throw new PriorityError(
          `priority[${t}] = ${p} is negative; sampling proportional to priority needs p >= 0`,
          { index: t, value: p, row },
        );
      }
      let u = rng.uniform();
      while (u === 0) u = rng.uniform();
      scratch[j] = Math.log(p) * invT - Math.log(-Math.log(u));
    }
  }
  selectTopKFloat32(scratchBits, 0, c, k, picks, (j) => {
    throw nanError(cand === null ? j : cand[j], row);
  });
  if (cand === null) out.set(picks.subarray(0, k));
  else for (let i = 0; i < k; i++) out[i] = cand[picks[i]];
  return k;
}

function nanError(index: number, row: number): PriorityError {
  return new PriorityError(`priority[${index}] is NaN; priorities must be numbers`, {
    index,
    value: Number.NaN,
    row,
  });
}
