/** Small dense linear algebra in float64 for pose metrics: symmetric eigen (Jacobi) and Umeyama/Horn alignment. */

/**
 * Eigen-decomposition of a symmetric `n x n` matrix (row-major) by cyclic Jacobi rotations.
 * Returns eigenvalues and eigenvectors (column k of `vectors`, row-major, belongs to `values[k]`).
 */
export function symmetricEigen(
  matrix: ArrayLike<number>,
  n: number,
): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(matrix);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q] ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p];
          const akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k];
          const aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = a[i * n + i];
  return { values, vectors: v };
}

/** Row-major 3x3 rotation of a unit quaternion `(w, x, y, z)`. */
export function quaternionToMatrix(w: number, x: number, y: number, z: number): Float64Array {
  return Float64Array.of(
    w * w + x * x - y * y - z * z,
    2 * (x * y - w * z),
    2 * (x * z + w * y),
    2 * (x * y + w * z),
    w * w - x * x + y * y - z * z,
    2 * (y * z - w * x),
    2 * (x * z - w * y),
    2 * (y * z + w * x),
    w * w - x * x - y * y + z * z,
  );
}

/** A similarity transform `y ≈ s R x + t` (R row-major 3x3). */
export interface Similarity {
  rotation: Float64Array;
  translation: Float64Array;
  scale: number;
}

/**
 * Least-squares similarity (or rigid, `withScale = false`) alignment of points `src` onto `dst`
 * (Umeyama 1991), solved for the rotation with Horn's unit-quaternion method, which always returns a
 * proper rotation (det = +1), as Umeyama's reflection correction does.
 *
 * @param src `[M, 3]` points to move. @param dst `[M, 3]` target points.
 */
export function umeyama(src: ArrayLike<number>, dst: ArrayLike<number>, withScale: boolean): Similarity {
  const m = src.length / 3;
  const mu = (p: ArrayLike<number>) => {
    const c = new Float64Array(3);
    for (let i = 0; i < m; i++) for (let k = 0; k < 3; k++) c[k] += p[3 * i + k] / m;
    return c;
  };
  const ms = mu(src);
  const md = mu(dst);
  // S[a][b] = sum_i xs_a * yd_b over centered points
  const S = new Float64Array(9);
  let varSrc = 0;
  for (let i = 0; i < m; i++) {
    for (let a = 0; a < 3; a++) {
      const x = src[3 * i + a] - ms[a];
      varSrc += x * x;
      for (let b = 0; b < 3; b++) S[a * 3 + b] += x * (dst[3 * i + b] - md[b]);
    }
  }
  const [sxx, sxy, sxz, syx, syy, syz, szx, szy, szz] = S;
  const N = [
    [sxx + syy + szz, syz - szy, szx - sxz, sxy - syx],
    [syz - szy, sxx - syy - szz, sxy + syx, szx + sxz],
    [szx - sxz, sxy + syx, -sxx + syy - szz, syz + szy],
    [sxy - syx, szx + sxz, syz + szy, -sxx - syy + szz],
  ].flat();
  const { values, vectors } = symmetricEigen(N, 4);
  let best = 0;
  for (let k = 1; k < 4; k++) if (values[k] > values[best]) best = k;
  const q = [0, 1, 2, 3].map((r) => vectors[r * 4 + best]);
  const norm = Math.hypot(q[0], q[1], q[2], q[3]);
  const R = quaternionToMatrix(q[0] / norm, q[1] / norm, q[2] / norm, q[3] / norm);
  let scale = 1;
  if (withScale && varSrc > 0) {
    // s = sum_i yd_i . (R xs_i) / sum_i |xs_i|^2 = tr(R S) / var
    let tr = 0;
    for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) tr += R[b * 3 + a] * S[a * 3 + b];
    scale = tr / varSrc;
  }
  const translation = new Float64Array(3);
  for (let r = 0; r < 3; r++)
    translation[r] = md[r] - scale * (R[r * 3] * ms[0] + R[r * 3 + 1] * ms[1] + R[r * 3 + 2] * ms[2]);
  return { rotation: R, translation, scale };
}
