import { ConfigError } from '@vfmkit/core';
import { describe, expect, it } from 'vitest';
import {
  collapseReport,
  momentumAt,
  parseSslMethod,
  SSL_METHOD_NAMES,
  SSL_METHODS,
  sslMethod,
} from './methods';

describe('SSL methods as configs', () => {
  it('every shipped method is valid and says which parts it uses', () => {
    expect(SSL_METHOD_NAMES).toEqual(['simclr', 'mocov3', 'byol', 'dino', 'vicreg']);
    const parts = SSL_METHOD_NAMES.map((n) => {
      const m = parseSslMethod(SSL_METHODS[n]);
      return [n, m.loss, m.target, m.predictor !== undefined];
    });
    expect(parts).toEqual([
      ['simclr', 'nt-xent', 'online', false],
      ['mocov3', 'moco-v3', 'momentum', true],
      ['byol', 'byol', 'momentum', true],
      ['dino', 'dino', 'momentum', false],
      ['vicreg', 'vicreg', 'online', false],
    ]);
    expect(sslMethod('byol', { projector: { hidden: 8, out: 4, layers: 2 } }).projector.out).toBe(4);
  });

  it('rejects inconsistent parts with a ConfigError on the right key', () => {
    const key = (input: unknown) => {
      try {
        parseSslMethod(input);
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return (e as ConfigError).details.key;
      }
      return 'accepted';
    };
    expect(key({ ...SSL_METHODS.byol, momentum: undefined })).toBe('momentum');
    expect(key({ ...SSL_METHODS.byol, target: 'online' })).toBe('target');
    expect(key({ ...SSL_METHODS.byol, target: 'stop-gradient' })).toBe('accepted');
    expect(key({ ...SSL_METHODS.simclr, temperature: 0 })).toBe('temperature');
    expect(key({ ...SSL_METHODS.simclr, loss: 'triplet' })).toBe('loss');
    expect(() => sslMethod('swav')).toThrow(/unknown SSL method/);
  });

  it('momentum follows the cosine schedule to 1 (hand-worked)', () => {
    const s = { base: 0.996, final: 1 };
    expect(momentumAt(s, 0, 10)).toBeCloseTo(0.996, 12);
    expect(momentumAt(s, 5, 10)).toBeCloseTo(0.998, 12);
    // cos(pi / 4) = 0.70710678: 1 - 0.004 * 1.70710678 / 2
    expect(momentumAt(s, 2.5, 10)).toBeCloseTo(0.99658578644, 10);
    expect(momentumAt(s, 10, 10)).toBe(1);
    expect(momentumAt(s, 15, 10)).toBe(1);
    expect(momentumAt(s, 3)).toBe(0.996);
  });

  it('collapseReport flags a std far below 1 / sqrt(D)', () => {
    expect(collapseReport(0.125, 64)).toMatchObject({ healthy: 0.125, ratio: 1, collapsed: false });
    expect(collapseReport(1e-4, 64).collapsed).toBe(true);
    expect(collapseReport(Number.NaN, 64).collapsed).toBe(true);
  });
});
