import { describe, expect, it } from 'vitest';
import { InvalidScoreError, UnknownDatasetError } from './errors';
import { stratifiedScore } from './stratified';

describe('stratifiedScore', () => {
  it('averages datasets within groups, then groups (VATT-B frozen, VideoPrism Table 13 -> 39.4)', () => {
    const r = stratifiedScore({
      K400: 75.1,
      MiT: 32.1,
      SSv2: 57.8,
      D48: 49.7,
      Charades: 33.3,
      ActivityNet: 35.3,
      AVA: 20.3,
      'AVA-K': 22.2,
    });
    // (53.6 + 53.75 + 33.3 + 35.3 + 21.25) / 5 = 197.2 / 5
    expect(r.groups).toEqual({
      'VC(A)': expect.closeTo(53.6, 12),
      'VC(M)': 53.75,
      'VC(ML)': 33.3,
      TAL: 35.3,
      STAL: expect.closeTo(21.25, 12),
    });
    expect(r.score).toBeCloseTo(39.44, 12);
    expect(r.missingGroups).toEqual([]);
  });

  it('leaves a group with no result out of the mean and reports it', () => {
    const r = stratifiedScore({ K400: 80, MiT: 40, ActivityNet: null, AVA: 30 });
    expect(r.groups).toEqual({ 'VC(A)': 60, STAL: 30 });
    expect(r.missingGroups).toEqual(['VC(M)', 'VC(ML)', 'TAL']);
    expect(r.score).toBe(45);
  });

  it('skips a dataset without a result inside a group', () => {
    expect(stratifiedScore({ K400: 80, MiT: undefined }).groups['VC(A)']).toBe(80);
  });

  it('gives null when nothing has a result', () => {
    expect(stratifiedScore({ K400: null }).score).toBeNull();
    expect(stratifiedScore({}).missingGroups).toHaveLength(5);
  });

  it('rejects unknown datasets and out-of-range values, naming them', () => {
    expect(() => stratifiedScore({ Kinetics: 70 }, undefined, { model: 'M', method: 'frozen' })).toThrow(
      /model "M", method "frozen": unknown dataset "Kinetics" \(known: K400, MiT/,
    );
    expect(() => stratifiedScore({ K400: 170 })).toThrow(InvalidScoreError);
    expect(() => stratifiedScore({ K400: -1 })).toThrow(/dataset "K400" has score -1/);
    expect(() => stratifiedScore({ K400: Number.NaN })).toThrow(InvalidScoreError);
    expect(() => stratifiedScore({ k400: 1 })).toThrow(UnknownDatasetError);
  });
});
