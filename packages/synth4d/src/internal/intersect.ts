/**
 * Ray intersections with the canonical shapes in their local frame (centred at the origin, +y up).
 * The ray is o + t d with any (non-normalized) d; each returns the smallest t > tmin, or Infinity.
 */

export const SPHERE = 0;
export const BOX = 1;
export const CYLINDER = 2;

export function hitSphere(
  r: number,
  ox: number,
  oy: number,
  oz: number,
  dx: number,
  dy: number,
  dz: number,
  tmin: number,
): number {
  const a = dx * dx + dy * dy + dz * dz;
  const b = ox * dx + oy * dy + oz * dz;
  const c = ox * ox + oy * oy + oz * oz - r * r;
  const disc = b * b - a * c;
  if (disc < 0) return Number.POSITIVE_INFINITY;
  const sq = Math.sqrt(disc);
  // Numerically stable roots: q = -(b + sign(b) sqrt(disc)); t1 = q / a, t2 = c / q.
  const q = b > 0 ? -(b + sq) : -b + sq;
  let t1 = q / a;
  let t2 = q !== 0 ? c / q : t1;
  if (t1 > t2) {
    const tmp = t1;
    t1 = t2;
    t2 = tmp;
  }
  if (t1 > tmin) return t1;
  if (t2 > tmin) return t2;
  return Number.POSITIVE_INFINITY;
}

export function hitBox(
  hx: number,
  hy: number,
  hz: number,
  ox: number,
  oy: number,
  oz: number,
  dx: number,
  dy: number,
  dz: number,
  tmin: number,
): number {
  let t0 = Number.NEGATIVE_INFINITY;
  let t1 = Number.POSITIVE_INFINITY;
  if (dx !== 0) {
    const a = (-hx - ox) / dx;
    const b = (hx - ox) / dx;
    t0 = Math.max(t0, Math.min(a, b));
    t1 = Math.min(t1, Math.max(a, b));
  } else if (ox < -hx || ox > hx) return Number.POSITIVE_INFINITY;
  if (dy !== 0) {
    const a = (-hy - oy) / dy;
    const b = (hy - oy) / dy;
    t0 = Math.max(t0, Math.min(a, b));
    t1 = Math.min(t1, Math.max(a, b));
  } else if (oy < -hy || oy > hy) return Number.POSITIVE_INFINITY;
  if (dz !== 0) {
    const a = (-hz - oz) / dz;
    const b = (hz - oz) / dz;
    t0 = Math.max(t0, Math.min(a, b));
    t1 = Math.min(t1, Math.max(a, b));
  } else if (oz < -hz || oz > hz) return Number.POSITIVE_INFINITY;
  if (t1 < t0) return Number.POSITIVE_INFINITY;
  if (t0 > tmin) return t0;
  if (t1 > tmin) return t1;
  return Number.POSITIVE_INFINITY;
}

export function hitCylinder(
  r: number,
  h: number,
  ox: number,
  oy: number,
  oz: number,
  dx: number,
  dy: number,
  dz: number,
  tmin: number,
): number {
  let best = Number.POSITIVE_INFINITY;
  const a = dx * dx + dz * dz;
  if (a > 0) {
    const b = ox * dx + oz * dz;
    const c = ox * ox + oz * oz - r * r;
    const disc = b * b - a * c;
    if (disc >= 0) {
      const sq = Math.sqrt(disc);
      const ta = (-b - sq) / a;
      const tb = (-b + sq) / a;
      if (ta > tmin && Math.abs(oy + ta * dy) <= h) best = ta;
      else if (tb > tmin && Math.abs(oy + tb * dy) <= h) best = tb;
    }
  }
  if (dy !== 0) {
    const tTop = (h - oy) / dy;
    if (tTop > tmin && tTop < best) {
      const x = ox + tTop * dx;
      const z = oz + tTop * dz;
      if (x * x + z * z <= r * r) best = tTop;
    }
    const tBottom = (-h - oy) / dy;
    if (tBottom > tmin && tBottom < best) {
      const x = ox + tBottom * dx;
      const z = oz + tBottom * dz;
      if (x * x + z * z <= r * r) best = tBottom;
    }
  }
  return best;
}

/** Outward unit normal (local frame) of a shape at a local surface point; written to `out`. */
export function localNormal(
  kind: number,
  sx: number,
  sy: number,
  sz: number,
  x: number,
  y: number,
  z: number,
  out: Float64Array,
): void {
  if (kind === SPHERE) {
    const n = Math.sqrt(x * x + y * y + z * z) || 1;
    out[0] = x / n;
    out[1] = y / n;
    out[2] = z / n;
    return;
  }
  if (kind === BOX) {
    const ax = Math.abs(x) / sx;
    const ay = Math.abs(y) / sy;
    const az = Math.abs(z) / sz;
    out[0] = out[1] = out[2] = 0;
    if (ax >= ay && ax >= az) out[0] = Math.sign(x);
    else if (ay >= az) out[1] = Math.sign(y);
    else out[2] = Math.sign(z);
    return;
  }
  // Cylinder: a cap when the point is on y = +-h and inside the rim, otherwise the side.
  const rad = Math.sqrt(x * x + z * z);
  if ((sx - rad) / sx > (sy - Math.abs(y)) / sy) {
    out[0] = 0;
    out[1] = Math.sign(y);
    out[2] = 0;
    return;
  }
  out[0] = x / (rad || 1);
  out[1] = 0;
  out[2] = z / (rad || 1);
}

/** A 3-D integer lattice hash in [0, 1) (for value noise). */
export function hash3(ix: number, iy: number, iz: number, seed: number): number {
  let h = Math.imul(ix, 0x27d4eb2d) ^ Math.imul(iy, 0x165667b1) ^ Math.imul(iz, 0x9e3779b1) ^ seed;
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return ((h ^ (h >>> 16)) >>> 0) / 4294967296;
}

/** Trilinear value noise in [0, 1). */
export function valueNoise(x: number, y: number, z: number, seed: number): number {
  const ix = Math.floor(x);
  const iy = Math.floor(y);
  const iz = Math.floor(z);
  const fx = x - ix;
  const fy = y - iy;
  const fz = z - iz;
  const ux = fx * fx * (3 - 2 * fx);
  const uy = fy * fy * (3 - 2 * fy);
  const uz = fz * fz * (3 - 2 * fz);
  const c000 = hash3(ix, iy, iz, seed);
  const c100 = hash3(ix + 1, iy, iz, seed);
  const c010 = hash3(ix, iy + 1, iz, seed);
  const c110 = hash3(ix + 1, iy + 1, iz, seed);
  const c001 = hash3(ix, iy, iz + 1, seed);
  const c101 = hash3(ix + 1, iy, iz + 1, seed);
  const c011 = hash3(ix, iy + 1, iz + 1, seed);
  const c111 = hash3(ix + 1, iy + 1, iz + 1, seed);
  const x00 = c000 + (c100 - c000) * ux;
  const x10 = c010 + (c110 - c010) * ux;
  const x01 = c001 + (c101 - c001) * ux;
  const x11 = c011 + (c111 - c011) * ux;
  const y0 = x00 + (x10 - x00) * uy;
  const y1 = x01 + (x11 - x01) * uy;
  return y0 + (y1 - y0) * uz;
}
