import { ConfigError } from '@vfmkit/core';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from './load-config';
import { applyOverrides, parseOverrides } from './overrides';

function keyOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).details.key as string;
  }
  throw new Error('expected a ConfigError');
}

async function asyncKeyOf(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ConfigError);
  return (e as ConfigError).details.key as string;
}

describe('config resolution', () => {
  it('applies recipe defaults, then dotted overrides parsed as JSON', async () => {
    const c = await resolveConfig('mae-dual', {
      overrides: ['--steps=7', '--optim.lr=0.01', '--out=runs/x', '--masking.decoder.kind=running-cell'],
    });
    expect(c.steps).toBe(7);
    expect(c.optim.lr).toBe(0.01);
    expect(c.optim.beta2).toBe(0.95);
    expect(c.out).toBe('runs/x');
    expect(c.masking).toEqual({
      encoder: { kind: 'tube', ratio: 0.9 },
      decoder: { kind: 'running-cell', ratio: 0.5 },
    });
  });

  it('rejects unknown keys and bad values, naming the key', async () => {
    expect(await asyncKeyOf(resolveConfig('mae', { overrides: ['--optim.lrr=1'] }))).toBe('optim.lrr');
    expect(await asyncKeyOf(resolveConfig('mae', { overrides: ['--steps=-3'] }))).toBe('steps');
    expect(await asyncKeyOf(resolveConfig('mae', { overrides: ['--masking.encoder.ratio=1.5'] }))).toBe(
      'masking.encoder.ratio',
    );
    expect(await asyncKeyOf(resolveConfig('mae', { overrides: ['--batchSize=two'] }))).toBe('batchSize');
    expect(await asyncKeyOf(resolveConfig('nope'))).toBe('recipe');
    expect(await asyncKeyOf(resolveConfig('mae', { file: '/nonexistent/config.ts' }))).toBe('--config');
    expect(keyOf(() => parseOverrides(['steps=3']))).toBe('steps=3');
    expect(keyOf(() => applyOverrides({ a: 1 }, [[['a', 'b'], 2]]))).toBe('a.b');
  });
});
