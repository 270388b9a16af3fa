import { type ClipBatch, Rng } from '@vfmkit/core';

/**
 * A 4-class motion task for tests: a bright 8 x 8 square on a noisy background moves 4 pixels per
 * frame right, left, down or up (the label) from a random start; `[B, 4, 32, 32, 3]` clips.
 * Only motion separates the classes: every start position occurs with every direction.
 */
export function motionClips(B: number, seed: number): { clips: ClipBatch; labels: Int32Array } {
  const rng = new Rng(seed);
  const [T, S, C, P, STEP] = [4, 32, 3, 8, 4];
  const data = new Float32Array(B * T * S * S * C);
  const labels = new Int32Array(B);
  const dirs = [
    [0, 1],
    [0, -1],
    [1, 0],
    [-1, 0],
  ];
  for (let b = 0; b < B; b++) {
    const label = rng.int(4);
    labels[b] = label;
    const [dy, dx] = dirs[label];
    const y0 =
      dy === 0
        ? rng.int(S - P + 1)
        : dy > 0
          ? rng.int(S - P - 3 * STEP + 1)
          : 3 * STEP + rng.int(S - P - 3 * STEP + 1);
    const x0 =
      dx === 0
        ? rng.int(S - P + 1)
        : dx > 0
          ? rng.int(S - P - 3 * STEP + 1)
          : 3 * STEP + rng.int(S - P - 3 * STEP + 1);
    for (let t = 0; t < T; t++) {
      const y = y0 + dy * STEP * t;
      const x = x0 + dx * STEP * t;
      for (let i = 0; i < S; i++)
        for (let j = 0; j < S; j++) {
          const inside = i >= y && i < y + P && j >= x && j < x + P;
          for (let c = 0; c < C; c++)
            data[(((b * T + t) * S + i) * S + j) * C + c] = inside ? 0.9 : 0.2 + 0.1 * rng.uniform();
        }
    }
  }
  return { clips: { data, shape: [B, T, S, S, C] }, labels };
}
