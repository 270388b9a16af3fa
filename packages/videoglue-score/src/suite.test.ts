import { ConfigError } from '@vfmkit/core';
import { describe, expect, it } from 'vitest';
import { UnknownMethodError } from './errors';
import { BUILTIN_METHODS } from './methods';
import { scoreModel } from './model-score';
import { datasetGroups, defineSuite, VIDEOGLUE_SUITE, withGroups, withMethods } from './suite';

// A user-defined suite for vfmkit's 4D evaluator (all metrics scaled to 0-100, higher is better).
const fourD = defineSuite({
  name: '4D',
  groups: [
    { id: 'depth', label: 'depth', datasets: ['ScanNet-d1'], metric: 'delta_1 x 100' },
    { id: 'tracking', label: 'point and box tracking', datasets: ['TAPVid-AJ', 'Boxes-mIoU'] },
    { id: 'pose', label: 'camera pose', datasets: ['RealEstate-AUC30'] },
  ],
  methods: BUILTIN_METHODS.filter((m) => m.id === 'frozen' || m.id === 'e2e'),
});

describe('suites', () => {
  it("VideoGLUE's groups hold the paper's eight datasets", () => {
    expect([...datasetGroups(VIDEOGLUE_SUITE).entries()]).toEqual([
      ['K400', 'VC(A)'],
      ['MiT', 'VC(A)'],
      ['SSv2', 'VC(M)'],
      ['D48', 'VC(M)'],
      ['Charades', 'VC(ML)'],
      ['ActivityNet', 'TAL'],
      ['AVA', 'STAL'],
      ['AVA-K', 'STAL'],
    ]);
    expect(VIDEOGLUE_SUITE.methods.map((m) => m.id)).toEqual(['frozen', 'mlap', 'adapter', 'e2e']);
    expect(Object.isFrozen(VIDEOGLUE_SUITE.groups[0].datasets)).toBe(true);
  });

  it('scores a user-defined 4D suite (hand-worked)', () => {
    const r = scoreModel(
      {
        frozen: { 'ScanNet-d1': 60, 'TAPVid-AJ': 40, 'Boxes-mIoU': 60, 'RealEstate-AUC30': 30 },
        e2e: { 'ScanNet-d1': 90, 'TAPVid-AJ': 60, 'Boxes-mIoU': 80 },
      },
      { frozen: 10, e2e: 100 },
      { suite: fourD, model: 'M' },
    );
    // frozen: (60 + 50 + 30) / 3 = 46.667; e2e: (90 + 70) / 2 = 80, pose missing; w = 2/3, 1/3
    expect(r.methods.frozen.score).toBeCloseTo(140 / 3, 12);
    expect(r.methods.e2e.missingGroups).toEqual(['pose']);
    expect(r.vgs).toBeCloseTo((2 / 3) * (140 / 3) + (1 / 3) * 80, 12);
  });

  it('registers a custom method and replaces one by id', () => {
    const s = withMethods(VIDEOGLUE_SUITE, [{ id: 'linear', label: 'Linear', description: 'linear probe' }]);
    expect(s.methods.map((m) => m.id)).toEqual(['frozen', 'mlap', 'adapter', 'e2e', 'linear']);
    expect(VIDEOGLUE_SUITE.methods).toHaveLength(4);
    const r = withMethods(s, [{ id: 'e2e', label: 'Full FT', description: 'x' }]);
    expect(r.methods.find((m) => m.id === 'e2e')?.label).toBe('Full FT');
    expect(() => scoreModel({ linaer: {} }, {}, { suite: s, model: 'M' })).toThrow(UnknownMethodError);
    const g = withGroups(fourD, [{ id: 'seg', label: 'segmentation', datasets: ['DAVIS'] }]);
    expect(datasetGroups(g).get('DAVIS')).toBe('seg');
  });

  it('rejects bad suites naming the key', () => {
    const base = { name: 'x', groups: [{ id: 'g', label: 'g', datasets: ['a'] }], methods: BUILTIN_METHODS };
    expect(() => defineSuite({ ...base, groups: [] })).toThrow(ConfigError);
    expect(() =>
      defineSuite({
        ...base,
        groups: [
          { id: 'g', label: 'g', datasets: ['a'] },
          { id: 'h', label: 'h', datasets: ['a'] },
        ],
      }),
    ).toThrow(/dataset "a" is in groups "g" and "h"/);
    expect(() => defineSuite({ ...base, groups: [...base.groups, ...base.groups] })).toThrow(
      /duplicate task group/,
    );
    expect(() => defineSuite({ ...base, methods: [...BUILTIN_METHODS, BUILTIN_METHODS[0]] })).toThrow(
      /duplicate method "frozen"/,
    );
    expect(() => defineSuite({ ...base, groups: [{ id: 'g', label: 'g', datasets: [''] }] })).toThrow(
      /groups\.0\.datasets\.0/,
    );
  });
});
