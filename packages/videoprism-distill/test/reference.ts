/**
 * Float64 re-computations for the tests, written from the definitions with plain loops, independently
 * of the tfjs code under test. Matrices are row-major `number[][]`.
 */
export type Mat = number[][];

const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0);
export const normalize = (a: number[]) => {
  const n = Math.sqrt(dot(a, a));
  return a.map((x) => x / n);
};
const logSumExp = (xs: number[]) => {
  const m = Math.max(...xs);
  return m + Math.log(xs.reduce((s, x) => s + Math.exp(x - m), 0));
};

/** CLIP's symmetric loss at temperature `tau`: (CE over rows + CE over columns) / 2, each a mean over B. */
export function clip64(video: Mat, text: Mat, tau: number): number {
  const v = video.map(normalize);
  const t = text.map(normalize);
  const b = v.length;
  const logits = v.map((vi) => t.map((tj) => dot(vi, tj) / tau));
  let v2t = 0;
  let t2v = 0;
  for (let i = 0; i < b; i++) {
    v2t += logSumExp(logits[i]) - logits[i][i];
    t2v += logSumExp(logits.map((row) => row[i])) - logits[i][i];
  }
  return (v2t / b + t2v / b) / 2;
}

/** Mean of 1 - cos over rows. */
export function cosineDistance64(pred: Mat, target: Mat): number {
  let s = 0;
  for (let i = 0; i < pred.length; i++) s += 1 - dot(normalize(pred[i]), normalize(target[i]));
  return s / pred.length;
}

/** Central differences of `f` at `x` (step `h`). */
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

/** Recall@1 of a similarity matrix `[B, B]` whose positives are on the diagonal, rows as queries. */
export function recallAt1(sim: Mat): number {
  let hits = 0;
  for (let i = 0; i < sim.length; i++) {
    const best = sim[i].indexOf(Math.max(...sim[i]));
    if (best === i) hits++;
  }
  return hits / sim.length;
}
