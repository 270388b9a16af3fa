import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError } from './errors';
import { configErrorFromIssues, issueKey, parseConfig } from './parse-config';

const schema = z.object({
  lr: z.number().positive(),
  groups: z.array(z.object({ id: z.string().min(1) })),
});

describe('parseConfig', () => {
  it('returns the parsed value of a zod schema, typed', () => {
    const out: { lr: number; groups: { id: string }[] } = parseConfig(schema, { lr: 0.5, groups: [] }, 'cfg');
    expect(out).toEqual({ lr: 0.5, groups: [] });
  });

  it('throws a ConfigError naming the first bad key and listing every issue', () => {
    let caught: unknown;
    try {
      parseConfig(schema, { lr: -1, groups: [{ id: '' }] }, 'AdamW config');
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const err = caught as ConfigError;
    expect(err.code).toBe('CONFIG');
    expect(err.message).toMatch(/^AdamW config: lr: /);
    expect(err.details.key).toBe('lr');
    expect((err.details.issues as { path: string }[]).map((i) => i.path)).toEqual(['lr', 'groups.0.id']);
    expect(err.cause).toBeInstanceOf(z.ZodError);
  });

  it('names a top-level issue with the root key', () => {
    expect(() => parseConfig(schema, 7, 'cfg')).toThrow(/^cfg: \(root\): /);
    expect(() => parseConfig(schema, 7, 'suite', { root: 'suite' })).toThrow(/^suite: suite: /);
  });

  it('works with any safeParse-shaped validator, not only zod', () => {
    const even = {
      safeParse: (x: unknown) =>
        typeof x === 'number' && x % 2 === 0
          ? ({ success: true, data: x } as const)
          : ({ success: false, error: { issues: [{ path: ['n'], message: 'must be even' }] } } as const),
    };
    expect(parseConfig(even, 4, 'even')).toBe(4);
    expect(() => parseConfig(even, 3, 'even')).toThrow('even: n: must be even');
  });
});

describe('configErrorFromIssues / issueKey', () => {
  it('joins paths with dots, numbers included', () => {
    expect(issueKey({ path: ['a', 0, 'b'], message: '' })).toBe('a.0.b');
    // zod's unrecognized_keys issue on a strict object: the unknown key joins the path.
    expect(issueKey({ path: ['optim'], message: 'Unrecognized key: "lrr"', keys: ['lrr'] })).toBe(
      'optim.lrr',
    );
    expect(issueKey({ path: [], message: '' }, 'top')).toBe('top');
    const e = configErrorFromIssues('x', [{ path: ['k'], message: 'bad' }]);
    expect([e.message, e.details.key]).toEqual(['x: k: bad', 'k']);
  });
});
