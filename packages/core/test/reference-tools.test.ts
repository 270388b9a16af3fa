import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  findOnPath,
  inCi,
  MissingReferenceToolError,
  referenceFfmpeg,
  referencePython,
} from '../../../test-support/reference-tools';

const saved = { PATH: process.env.PATH, CI: process.env.CI };
afterEach(() => {
  process.env.PATH = saved.PATH;
  if (saved.CI === undefined) delete process.env.CI;
  else process.env.CI = saved.CI;
});

describe('test-support/reference-tools (shared by every package and app test)', () => {
  it('reads CI as set unless empty, 0 or false', () => {
    expect([undefined, '', '0', 'false', 'FALSE', '1', 'true', 'github'].map((v) => inCi({ CI: v }))).toEqual(
      [false, false, false, false, false, true, true, true],
    );
  });

  it('finds executables on PATH in order, skipping non-executable files', () => {
    const a = mkdtempSync(join(tmpdir(), 'ref-a-'));
    const b = mkdtempSync(join(tmpdir(), 'ref-b-'));
    try {
      writeFileSync(join(a, 'tool'), '#!/bin/sh\n');
      writeFileSync(join(b, 'tool'), '#!/bin/sh\n');
      chmodSync(join(b, 'tool'), 0o755);
      expect(findOnPath('tool', [a, b].join(delimiter))).toEqual([join(b, 'tool')]);
      chmodSync(join(a, 'tool'), 0o755);
      expect(findOnPath('tool', [a, b].join(delimiter))).toEqual([join(a, 'tool'), join(b, 'tool')]);
    } finally {
      rmSync(a, { recursive: true, force: true });
      rmSync(b, { recursive: true, force: true });
    }
  });

  it('a missing tool throws in CI, naming it, and skips (undefined) locally', () => {
    process.env.PATH = '';
    process.env.CI = '1';
    expect(() => referenceFfmpeg()).toThrow(MissingReferenceToolError);
    expect(() => referenceFfmpeg()).toThrow(/reference tool missing in CI: ffmpeg/);
    // a module set not probed before in this file: nothing cached
    expect(() => referencePython([])).toThrow(/python3 \(no python3 on PATH\)/);
    delete process.env.CI;
    expect(referenceFfmpeg()).toBeUndefined();
  });
});
