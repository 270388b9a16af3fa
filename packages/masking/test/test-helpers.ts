import { execFileSync } from 'node:child_process';
import { expect } from 'vitest';
import { referencePython } from '../../../test-support/reference-tools';
import type { TokenMask } from '../src/token-mask';

/** True when python3 with numpy is available for reference checks (in CI its absence throws). */
const PYTHON = referencePython(['numpy']);
export const hasPython = PYTHON !== undefined;

/** Runs a Python snippet (numpy available) and parses its JSON stdout. */
export function python<T>(code: string, input: unknown): T {
  const env = { ...process.env };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const out = execFileSync(PYTHON as string, ['-c', code], {
    input: JSON.stringify(input),
    encoding: 'utf8',
    env,
    maxBuffer: 64 * 2 ** 20,
  });
  return JSON.parse(out) as T;
}

/** Asserts every invariant of a mask's two forms: counts, disjoint covering ascending lists, restore. */
export function expectConsistent(mask: TokenMask, n: number, m: number): void {
  const { hidden, keep, masked, restore } = mask;
  expect([hidden.length, masked.length, keep.length, restore.length]).toEqual([n, m, n - m, n]);
  const problems: string[] = [];
  let ones = 0;
  for (let i = 0; i < n; i++) ones += hidden[i];
  if (ones !== m) problems.push(`hidden has ${ones} ones, expected ${m}`);
  const seen = new Uint8Array(n);
  keep.forEach((v, j) => {
    if (hidden[v] !== 0) problems.push(`keep[${j}] = ${v} is hidden`);
    if (j > 0 && v <= keep[j - 1]) problems.push(`keep not ascending at ${j}`);
    seen[v]++;
  });
  masked.forEach((v, j) => {
    if (hidden[v] !== 1) problems.push(`masked[${j}] = ${v} is visible`);
    if (j > 0 && v <= masked[j - 1]) problems.push(`masked not ascending at ${j}`);
    seen[v]++;
  });
  if (!seen.every((v) => v === 1)) problems.push('keep and masked do not partition 0..N-1');
  // Gathering [keep, masked] by restore gives 0..N-1 back.
  const cat = [...keep, ...masked];
  for (let i = 0; i < n; i++)
    if (cat[restore[i]] !== i) problems.push(`restore[${i}] = ${restore[i]} is wrong`);
  expect(problems.slice(0, 5)).toEqual([]);
}
