/**
 * Fourier features of coordinates in [0, 1]: for each coordinate c, `c` itself, then
 * `sin(2^k pi c)` and `cos(2^k pi c)` for k = 0..bands-1. Width = dims * (1 + 2 * bands).
 */
export function fourierFeatures(coords: ArrayLike<number>, dims: number, bands: number): Float32Array {
  const rows = coords.length / dims;
  const F = dims * (1 + 2 * bands);
  const out = new Float32Array(rows * F);
  for (let r = 0; r < rows; r++) {
    let o = r * F;
    for (let d = 0; d < dims; d++) {
      const c = coords[r * dims + d];
      out[o++] = c;
      for (let k = 0; k < bands; k++) {
        const a = 2 ** k * Math.PI * c;
        out[o++] = Math.sin(a);
        out[o++] = Math.cos(a);
      }
    }
  }
  return out;
}

/** Width of {@link fourierFeatures}. */
export function fourierWidth(dims: number, bands: number): number {
  return dims * (1 + 2 * bands);
}
