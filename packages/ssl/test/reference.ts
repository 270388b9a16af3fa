/**
 * Float64 re-computations of the SSL losses, written from the papers' definitions with plain loops,
 * independently of the tfjs code under test. Matrices are row-major `number[][]`.
 */
export type Mat = number[][];

const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0);
const normalize = (a: number[]) => {
  const n = Math.sqrt(dot(a, a));
  return a.map((x) => x / n);
};
const logSumExp = (xs: number[]) => {
  const m = Math.max(...xs);
  return m + Math.log(xs.reduce((s, x) => s + Math.exp(x - m), 0));
};
const softmax = (xs: number[]) => {
  const l = logSumExp(xs);
  return xs.map((x) => Math.exp(x - l));
};

export function ntXent64(z1: Mat, z2: Mat, tau: number): number {
  const z = [...z1, ...z2].map(normalize);
  const b = z1.length;
  let total = 0;
  for (let i = 0; i < 2 * b; i++) {
    const p = i < b ? i + b : i - b;
    const others: number[] = [];
    for (let k = 0; k < 2 * b; k++) if (k !== i) others.push(dot(z[i], z[k]) / tau);
    total += logSumExp(others) - dot(z[i], z[p]) / tau;
  }
  return total / (2 * b);
}

function ctr64(q: Mat, k: Mat, tau: number): number {
  const qn = q.map(normalize);
  const kn = k.map(normalize);
  let total = 0;
  for (let i = 0; i < q.length; i++) {
    const logits = kn.map((row) => dot(qn[i], row) / tau);
    total += logSumExp(logits) - logits[i];
  }
  return (total / q.length) * 2 * tau;
}

export function mocoV364(q1: Mat, q2: Mat, k1: Mat, k2: Mat, tau: number): number {
  return ctr64(q1, k2, tau) + ctr64(q2, k1, tau);
}

export function byol64(p1: Mat, p2: Mat, z1: Mat, z2: Mat): number {
  const term = (p: Mat, z: Mat) =>
    p.reduce((s, row, i) => s + 2 - 2 * dot(normalize(row), normalize(z[i])), 0) / p.length;
  return term(p1, z2) + term(p2, z1);
}

export function dino64(students: Mat[], teachers: Mat[], center: number[], ts: number, tt: number): number {
  let total = 0;
  let terms = 0;
  for (let it = 0; it < teachers.length; it++)
    for (let is = 0; is < students.length; is++) {
      if (is === it) continue;
      let h = 0;
      for (let b = 0; b < students[is].length; b++) {
        const p = softmax(teachers[it][b].map((x, k) => (x - center[k]) / tt));
        const logits = students[is][b].map((x) => x / ts);
        const lse = logSumExp(logits);
        h += p.reduce((s, pk, k) => s - pk * (logits[k] - lse), 0);
      }
      total += h / students[is].length;
      terms++;
    }
  return total / terms;
}

export function vicreg64(
  z1: Mat,
  z2: Mat,
  w: { invariance: number; variance: number; covariance: number },
): { loss: number; invariance: number; variance: number; covariance: number } {
  const n = z1.length;
  const d = z1[0].length;
  let inv = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) inv += (z1[i][j] - z2[i][j]) ** 2;
  inv /= n * d;
  const stats = (z: Mat) => {
    const mean = Array.from({ length: d }, (_, j) => z.reduce((s, r) => s + r[j], 0) / n);
    const c = z.map((r) => r.map((x, j) => x - mean[j]));
    let std = 0;
    for (let j = 0; j < d; j++) {
      const v = c.reduce((s, r) => s + r[j] ** 2, 0) / (n - 1);
      std += Math.max(0, 1 - Math.sqrt(v + 1e-4));
    }
    let off = 0;
    for (let a = 0; a < d; a++)
      for (let b = 0; b < d; b++) {
        if (a === b) continue;
        off += (c.reduce((s, r) => s + r[a] * r[b], 0) / (n - 1)) ** 2;
      }
    return { variance: std / d, covariance: off / d };
  };
  const a = stats(z1);
  const b = stats(z2);
  const variance = (a.variance + b.variance) / 2;
  const covariance = a.covariance + b.covariance;
  return {
    loss: w.invariance * inv + w.variance * variance + w.covariance * covariance,
    invariance: inv,
    variance,
    covariance,
  };
}

export function embeddingStd64(z: Mat): number {
  const n = z.map(normalize);
  const d = n[0].length;
  let total = 0;
  for (let j = 0; j < d; j++) {
    const mean = n.reduce((s, r) => s + r[j], 0) / n.length;
    total += Math.sqrt(n.reduce((s, r) => s + (r[j] - mean) ** 2, 0) / (n.length - 1));
  }
  return total / d;
}

/** Central finite differences of `f` at `x` (step h) for every entry. */
export function numericGrad(f: (x: Mat) => number, x: Mat, h = 1e-5): Mat {
  return x.map((row, i) =>
    row.map((_, j) => {
      const plus = x.map((r) => [...r]);
      const minus = x.map((r) => [...r]);
      plus[i][j] += h;
      minus[i][j] -= h;
      return (f(plus) - f(minus)) / (2 * h);
    }),
  );
}
