import { describe, expect, it } from 'vitest';
import { BOX, CYLINDER, hitBox, hitCylinder, hitSphere, localNormal, SPHERE } from './intersect';

// Hand-worked rays against unit-ish shapes at the origin.
describe('ray-shape intersections', () => {
  it('sphere: front hit, miss, unnormalized direction, hit from inside', () => {
    expect(hitSphere(1, 0, 0, -5, 0, 0, 1, 0)).toBeCloseTo(4, 12);
    expect(hitSphere(1, 0, 0, -5, 0, 0, 2, 0)).toBeCloseTo(2, 12); // t scales with 1/|d|
    expect(hitSphere(1, 0, 2, -5, 0, 0, 1, 0)).toBe(Number.POSITIVE_INFINITY);
    expect(hitSphere(1, 0, 0, 0, 0, 0, 1, 1e-9)).toBeCloseTo(1, 12);
    // Tangent-ish ray at height 0.6: t = 5 - sqrt(1 - 0.36) = 4.2.
    expect(hitSphere(1, 0, 0.6, -5, 0, 0, 1, 0)).toBeCloseTo(4.2, 12);
  });

  it('box: slab test with a diagonal ray and a parallel miss', () => {
    expect(hitBox(1, 2, 3, -5, 0, 0, 1, 0, 0, 0)).toBeCloseTo(4, 12);
    // From (-5, -5, 0) along (1, 1, 0): enters x = -1 at t = 4 (y = -1 inside [-2, 2]).
    expect(hitBox(1, 2, 3, -5, -5, 0, 1, 1, 0, 0)).toBeCloseTo(4, 12);
    expect(hitBox(1, 1, 1, -5, 1.5, 0, 1, 0, 0, 0)).toBe(Number.POSITIVE_INFINITY);
  });

  it('cylinder: side, cap and rim-missing rays', () => {
    expect(hitCylinder(1, 1, -5, 0, 0, 1, 0, 0, 0)).toBeCloseTo(4, 12);
    expect(hitCylinder(1, 1, 0.5, 5, 0, 0, -1, 0, 0)).toBeCloseTo(4, 12);
    expect(hitCylinder(1, 1, -5, 1.5, 0, 1, 0, 0, 0)).toBe(Number.POSITIVE_INFINITY);
    expect(hitCylinder(1, 1, 1.5, 5, 0, 0, -1, 0, 0)).toBe(Number.POSITIVE_INFINITY);
  });

  it('normals point outwards', () => {
    const n = new Float64Array(3);
    localNormal(SPHERE, 2, 2, 2, 0, 2, 0, n);
    expect(Array.from(n)).toEqual([0, 1, 0]);
    localNormal(BOX, 1, 2, 3, -1, 0.5, 0.5, n);
    expect(Array.from(n)).toEqual([-1, 0, 0]);
    localNormal(CYLINDER, 1, 1, 1, 0.2, 1, 0.1, n);
    expect(Array.from(n)).toEqual([0, 1, 0]);
    localNormal(CYLINDER, 1, 1, 1, 0, 0.3, -1, n);
    expect(Array.from(n)).toEqual([0, 0, -1]);
  });
});
