import { ShapeError } from './errors';

/**
 * One expected dimension: a number (exact), `null` (any size), or a name. A name binds the size the
 * first time it is seen and must match wherever it appears again, e.g. `['B', 'N', 'D']` with `D = 384`
 * given in `bindings`.
 */
export type DimSpec = number | string | null;

/**
 * Asserts that `actual` matches `expected` and returns the bound named sizes.
 * @throws ShapeError naming the tensor, the expected and the actual shape.
 * @example assertShape('tokens', [2, 1568, 384], ['B', 'N', 384]) // -> { B: 2, N: 1568 }
 */
export function assertShape(
  name: string,
  actual: readonly number[],
  expected: readonly DimSpec[],
  bindings: Record<string, number> = {},
): Record<string, number> {
  const bound: Record<string, number> = { ...bindings };
  const fail = (why: string): never => {
    throw new ShapeError(
      `${name}: expected shape [${expected.map(describeDim).join(', ')}], got [${actual.join(', ')}] (${why})`,
      {
        name,
        expected,
        actual,
      },
    );
  };
  if (actual.length !== expected.length) fail(`rank ${actual.length}, expected rank ${expected.length}`);
  for (let i = 0; i < expected.length; i++) {
    const want = expected[i];
    const got = actual[i];
    if (!Number.isInteger(got) || got < 0) fail(`dim ${i} is not a non-negative integer`);
    if (want === null) continue;
    if (typeof want === 'number') {
      if (got !== want) fail(`dim ${i} is ${got}, expected ${want}`);
      continue;
    }
    const prior = bound[want];
    if (prior === undefined) bound[want] = got;
    else if (prior !== got) fail(`dim ${i} (${want}) is ${got}, but ${want} = ${prior}`);
  }
  return bound;
}

function describeDim(d: DimSpec): string {
  return d === null ? '*' : String(d);
}

/** Number of elements of a shape. */
export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Asserts that a flat array holds exactly `prod(shape)` elements. */
export function assertLength(name: string, data: { length: number }, shape: readonly number[]): void {
  const want = sizeOf(shape);
  if (data.length !== want) {
    throw new ShapeError(
      `${name}: ${data.length} elements do not fill shape [${shape.join(', ')}] (${want} elements)`,
      {
        name,
        expected: shape,
        actual: [data.length],
      },
    );
  }
}
