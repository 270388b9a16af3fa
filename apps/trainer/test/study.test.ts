import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { JsonlLog } from '../src/run/jsonl-log';
import { gridCells } from '../src/study/study';
import { groupStats, spreads } from '../src/study/study-report';
import { runQuickStudy } from './study-bin';

const root = mkdtempSync(join(tmpdir(), 'vfm-study-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const study = (out: string, name = '4ds-scaling') => runQuickStudy(name, out);

const events = (out: string) =>
  existsSync(join(out, 'study.jsonl')) ? JsonlLog.read(join(out, 'study.jsonl')) : [];

describe('vfm-study', () => {
  it('runs the 4DS quick grid (2 sizes x 2 seeds), resumes after SIGTERM, and skips finished cells', async () => {
    const out = join(root, 'scaling');
    const first = study(out);
    for (
      let i = 0;
      i < 6000 && !events(out).some((e) => e.event === 'done') && first.child.exitCode === null;
      i++
    )
      await new Promise((r) => setTimeout(r, 20));
    first.child.kill('SIGTERM');
    expect(await first.exited, first.output()).toBe(143);
    const doneFirst = events(out)
      .filter((e) => e.event === 'done')
      .map((e) => e.cell);
    expect(doneFirst.length).toBeGreaterThanOrEqual(1);
    expect(doneFirst.length).toBeLessThan(4);

    const second = study(out);
    expect(await second.exited, second.output()).toBe(0);
    const all = events(out);
    const secondRun = all.slice(all.findLastIndex((e) => e.event === 'start'));
    expect(
      secondRun
        .filter((e) => e.event === 'skip')
        .map((e) => e.cell)
        .sort(),
    ).toEqual([...doneFirst].sort());
    const results = readFileSync(join(out, 'results.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(results.map((r) => r.id)).toEqual([
      'size-xs_seed-0',
      'size-xs_seed-1',
      'size-s_seed-0',
      'size-s_seed-1',
    ]);
    for (const r of results) {
      // Trained once: one `start` in the run's log however often the cell was interrupted, 3 steps in all.
      const log = JsonlLog.read(join(out, 'cells', r.id, 'run', 'log.jsonl'));
      expect(log.filter((e) => e.event === 'start')).toHaveLength(1);
      expect(log.filter((e) => e.event === 'step').map((e) => e.step)).toEqual([1, 2, 3]);
      expect(r.metrics.map((m: { encoder: string }) => m.encoder).sort()).toEqual([
        'pretrained',
        'pretrained (random init)',
      ]);
      expect(r.measures.params).toBeGreaterThan(0);
    }
    expect(results[2].measures.params).toBeGreaterThan(results[0].measures.params);
    const report = readFileSync(join(out, 'report.md'), 'utf8');
    expect(report).toContain('| xs | synth4d/depth (frozen) | pretrained |');
    expect(readFileSync(join(out, 'scaling-params.png')).subarray(1, 4).toString()).toBe('PNG');
  });
});

describe('vfm-study augmentations-vs-algorithms', () => {
  it('runs its quick grid end to end and reports the spread across methods beside the spread across policies', async () => {
    const out = join(root, 'ava');
    const run = study(out, 'augmentations-vs-algorithms');
    expect(await run.exited, run.output()).toBe(0);
    const results = readFileSync(join(out, 'results.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(results.map((r) => r.id)).toEqual([
      'method-simclr_policy-weak_seed-0',
      'method-simclr_policy-strong_seed-0',
      'method-vicreg_policy-weak_seed-0',
      'method-vicreg_policy-strong_seed-0',
    ]);
    for (const r of results) {
      expect(r.metrics).toHaveLength(1);
      expect(r.metrics[0]).toMatchObject({ task: 'synth4d/actions', metric: 'top1' });
    }
    const report = readFileSync(join(out, 'report.md'), 'utf8');
    expect(report).toMatch(/\| synth4d\/actions \(frozen\) \| top1 \| [0-9.]+ \| [0-9.]+ \|/);
    expect(readFileSync(join(out, 'bars-method-policy.png')).subarray(1, 4).toString()).toBe('PNG');
  });
});

describe('study statistics', () => {
  it('visits the grid last axis fastest', () => {
    expect(gridCells({ a: [1, 2], b: ['x', 'y'] })).toEqual([
      { a: 1, b: 'x' },
      { a: 1, b: 'y' },
      { a: 2, b: 'x' },
      { a: 2, b: 'y' },
    ]);
  });

  it('means, sample std and spreads on a hand-worked grid', () => {
    // method x policy x seed; values chosen so the spreads are easy to check by hand.
    const value = { 'a|weak': [1, 3], 'a|strong': [5, 7], 'b|weak': [2, 2], 'b|strong': [10, 12] } as const;
    const results = Object.entries(value).flatMap(([key, seeds]) =>
      seeds.map((v, seed) => {
        const [method, policy] = key.split('|');
        return {
          id: `${key}-${seed}`,
          cell: { method, policy, seed },
          recipe: method,
          measures: {},
          metrics: [{ task: 't', method: 'frozen', encoder: 'pretrained', metric: 'acc', value: v }],
          trainSeconds: 0,
          evalSeconds: 0,
        };
      }),
    );
    const stats = groupStats(results);
    const aWeak = stats.find((s) => s.group.method === 'a' && s.group.policy === 'weak');
    expect(aWeak).toMatchObject({ mean: 2, n: 2 });
    expect(aWeak?.std).toBeCloseTo(Math.SQRT2, 12); // values 1, 3: sample variance 2
    // Means: a|weak 2, a|strong 6, b|weak 2, b|strong 11.
    // Across methods at fixed policy: weak |2-2| = 0, strong |6-11| = 5 -> mean 2.5.
    // Across policies at fixed method: a |2-6| = 4, b |2-11| = 9 -> mean 6.5.
    const [acrossMethods] = spreads(stats, 'method', 'policy');
    expect(acrossMethods.spreads).toEqual({ weak: 0, strong: 5 });
    expect(acrossMethods.meanSpread).toBe(2.5);
    expect(spreads(stats, 'policy', 'method')[0].meanSpread).toBe(6.5);
  });
});
