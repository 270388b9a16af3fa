/**
 * Exact top-k selection over signed 32-bit sort keys (bigger key = higher priority) by a three-pass
 * radix select (11 + 11 + 10 bits): O(c) time, no comparison sort. Ties at the threshold key go to the
 * earliest positions, so the result is deterministic and equals the first k of a stable sort by
 * (key descending, position ascending).
 */

let hist = new Int32Array(2048);
let bufA = new Int32Array(0);
let bufB = new Int32Array(0);

function ensure(c: number): void {
  if (bufA.length < c) {
    bufA = new Int32Array(c);
    bufB = new Int32Array(c);
  }
  if (hist.length !== 2048) hist = new Int32Array(2048);
}

/**
 * Writes the positions of the k largest of `keys[0 .. c)` to `out[0 .. k)`, ascending.
 * Requires 0 <= k <= c. @internal
 */
export function topKPositions(keys: Int32Array, c: number, k: number, out: Int32Array): void {
  if (k <= 0) return;
  if (k >= c) {
    for (let i = 0; i < c; i++) out[i] = i;
    return;
  }
  ensure(c);
  const h = hist;
  // Pass 1: top 11 bits over all keys.
  h.fill(0);
  for (let i = 0; i < c; i++) h[(keys[i] >> 21) + 1024]++;
  let need = k;
  let b1 = 2047;
  for (; b1 > 0; b1--) {
    const n = h[b1];
    if (n >= need) break;
    need -= n;
  }
  let cntA = 0;
  const a = bufA;
  const top = b1 - 1024;
  for (let i = 0; i < c; i++) if (keys[i] >> 21 === top) a[cntA++] = i;
  // Pass 2: middle 11 bits over bucket b1.
  h.fill(0);
  for (let j = 0; j < cntA; j++) h[(keys[a[j]] >>> 10) & 2047]++;
  let b2 = 2047;
  for (; b2 > 0; b2--) {
    const n = h[b2];
    if (n >= need) break;
    need -= n;
  }
  let cntB = 0;
  const bb = bufB;
  for (let j = 0; j < cntA; j++) {
    const p = a[j];
    if (((keys[p] >>> 10) & 2047) === b2) bb[cntB++] = p;
  }
  // Pass 3: low 10 bits over bucket (b1, b2).
  h.fill(0, 0, 1024);
  for (let j = 0; j < cntB; j++) h[keys[bb[j]] & 1023]++;
  let b3 = 1023;
  for (; b3 > 0; b3--) {
    const n = h[b3];
    if (n >= need) break;
    need -= n;
  }
  const threshold = (top << 21) | (b2 << 10) | b3;
  // `need` keys equal to the threshold are taken, earliest first; everything above it is taken.
  let o = 0;
  for (let i = 0; i < c; i++) {
    const key = keys[i];
    if (key > threshold) out[o++] = i;
    else if (key === threshold && need > 0) {
      out[o++] = i;
      need--;
    }
  }
}

/**
 * Signed sortable key of a float32 given by its raw bits read as an int32: order-preserving for all
 * non-NaN values (negative floats get their magnitude bits flipped), with -0 mapped to +0 so the two
 * tie. @internal
 */
export function floatKey(bits: number): number {
  return bits >= 0 ? bits : bits === -2147483648 ? 0 : bits ^ 0x7fffffff;
}

/** True when raw float32 bits (read as an int32) encode a NaN. @internal */
export function isNaNBits(bits: number): boolean {
  return (bits & 0x7fffffff) > 0x7f800000;
}

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const SAMPLE = 256;
let sample = new Int32Array(SAMPLE);
let above = new Int32Array(0);
let bracket = new Int32Array(0);
let bracketKeys = new Int32Array(0);
let allKeys = new Int32Array(0);

function ensureSelect(c: number): void {
  if (above.length < c) {
    above = new Int32Array(c);
    bracket = new Int32Array(c);
    bracketKeys = new Int32Array(c);
    allKeys = new Int32Array(c);
  }
  if (sample.length !== SAMPLE) sample = new Int32Array(SAMPLE);
}

/**
 * Positions of the k largest float32 values among `bits[off .. off + c)` (raw float32 bits viewed as
 * int32), written ascending to `out[0 .. k)`; ties go to the lower position. `onNaN(position)` is
 * called for a NaN and must throw.
 *
 * One fused pass does the work in the common case (Floyd-Rivest style): a strided sample of 256 keys,
 * sorted, brackets the k-th largest key; the pass converts each value to its sort key, collects the
 * positions above the bracket and those inside it; the exact threshold inside the (small) bracket is
 * found by {@link topKPositions}, and the two ascending position lists are merged. When the bracket
 * misses (adversarial data), it falls back to a full radix select. O(c) either way. @internal
 */
export function selectTopKFloat32(
  bits: Int32Array,
  off: number,
  c: number,
  k: number,
  out: Int32Array,
  onNaN: (position: number) => never,
): void {
  if (k <= 0 || k >= c) {
    for (let j = 0; j < c; j++) if (isNaNBits(bits[off + j])) onNaN(j);
    if (k >= c) for (let j = 0; j < c; j++) out[j] = j;
    return;
  }
  ensureSelect(c);
  const s = Math.min(c, SAMPLE);
  for (let i = 0; i < s; i++) {
    const j = Math.floor(((i + 0.5) * c) / s);
    const v = bits[off + j];
    if (isNaNBits(v)) onNaN(j);
    sample[i] = floatKey(v);
  }
  const sorted = sample.subarray(0, s).sort();
  const q = k / c;
  const delta = Math.ceil(3 * Math.sqrt(s * q * (1 - q))) + 2;
  const centre = s - q * s; // ascending sample position of the k-th largest key
  const loPos = Math.floor(centre) - delta;
  const hiPos = Math.ceil(centre) + delta;
  const lo = loPos <= 0 ? INT32_MIN : sorted[loPos];
  const hi = hiPos >= s - 1 ? INT32_MAX : sorted[hiPos];
  let na = 0;
  let nb = 0;
  const ab = above;
  const br = bracket;
  const bk = bracketKeys;
  for (let j = 0; j < c; j++) {
    const v = bits[off + j];
    if ((v & 0x7fffffff) > 0x7f800000) onNaN(j);
    const key = v >= 0 ? v : v === INT32_MIN ? 0 : v ^ 0x7fffffff;
    if (key > hi) ab[na++] = j;
    else if (key >= lo) {
      br[nb] = j;
      bk[nb++] = key;
    }
  }
  const need = k - na;
  if (need < 0 || need > nb) {
    for (let j = 0; j < c; j++) allKeys[j] = floatKey(bits[off + j]);
    topKPositions(allKeys, c, k, out);
    return;
  }
  const chosen = need === nb ? nb : resolveBracket(nb, need);
  // Merge two ascending lists: `above[0 .. na)` and `bracket[0 .. chosen)`.
  let i = 0;
  let p = 0;
  let o = 0;
  while (i < na && p < chosen) {
    const a = ab[i];
    const b = br[p];
    if (a < b) {
      out[o++] = a;
      i++;
    } else {
      out[o++] = b;
      p++;
    }
  }
  while (i < na) out[o++] = ab[i++];
  while (p < chosen) out[o++] = br[p++];
}

const hist256 = new Int32Array(256);
let tie = new Int32Array(0);

/**
 * Keeps, in place at the front of `bracket` (order preserved), the `need` members with the largest keys
 * (ties to the lower position): one 256-bucket histogram over the bracket's key range, then an exact
 * sort of the single boundary bucket. Returns `need`. Requires 0 < need < nb.
 */
function resolveBracket(nb: number, need: number): number {
  const br = bracket;
  const bk = bracketKeys;
  let min = bk[0];
  let max = bk[0];
  for (let i = 1; i < nb; i++) {
    const key = bk[i];
    if (key < min) min = key;
    if (key > max) max = key;
  }
  const span = max - min; // < 2^32, exact as a double
  const shift = span < 256 ? 0 : Math.ceil(Math.log2(span + 1)) - 8;
  const h = hist256;
  h.fill(0);
  for (let i = 0; i < nb; i++) h[(bk[i] - min) >>> shift]++;
  let rest = need;
  let bStar = 255;
  for (; bStar > 0; bStar--) {
    const n = h[bStar];
    if (n >= rest) break;
    rest -= n;
  }
  // Exact threshold inside the boundary bucket: the rest-th largest key there.
  const size = h[bStar];
  if (tie.length < size) tie = new Int32Array(Math.max(size, 64));
  let t = 0;
  for (let i = 0; i < nb; i++) if ((bk[i] - min) >>> shift === bStar) tie[t++] = bk[i];
  const sorted = tie.subarray(0, t).sort();
  const threshold = sorted[t - rest];
  let greater = 0;
  for (let i = t - 1; i >= 0 && sorted[i] > threshold; i--) greater++;
  let equal = rest - greater;
  let o = 0;
  for (let i = 0; i < nb; i++) {
    const key = bk[i];
    const b = (key - min) >>> shift;
    if (b > bStar || (b === bStar && (key > threshold || (key === threshold && equal-- > 0))))
      br[o++] = br[i];
  }
  return o;
}
