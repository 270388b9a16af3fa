import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runQuickStudy } from './study-bin';

const root = mkdtempSync(join(tmpdir(), 'vfm-videoprism-study-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('vfm-study videoprism', () => {
  it('trains its teacher once, then a plain MAE and a distilled student, the student also zero-shot', async () => {
    const out = join(root, 'out');
    // TMPDIR: the study keeps its teacher under the temp folder; a fresh one proves it trains it.
    const run = runQuickStudy('videoprism', out, { ...process.env, TMPDIR: root });
    expect(await run.exited, run.output()).toBe(0);
    const teacher = join(root, 'vfm-videoprism-teachers', 'quick');
    expect(existsSync(join(teacher, 'video-tower.safetensors'))).toBe(true);
    const results = readFileSync(join(out, 'results.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(results.map((r) => r.id)).toEqual(['arm-mae_seed-0', 'arm-distill_seed-0']);
    const [mae, distill] = results;
    expect(mae.recipe).toBe('mae');
    expect(mae.metrics.map((m: { task: string }) => m.task)).toEqual(['synth4d/actions']);
    const config = JSON.parse(readFileSync(join(out, 'cells', distill.id, 'run', 'config.json'), 'utf8'));
    expect(config.videoprism).toMatchObject({ teacher, shuffle: 'content', globalLoss: true });
    const tasks = distill.metrics.map((m: { task: string; metric: string }) => `${m.task} ${m.metric}`);
    expect(tasks).toEqual([
      'synth4d/actions top1',
      'zero-shot/retrieval videoToText.r1',
      'zero-shot/retrieval textToVideo.r1',
      'zero-shot/classification top1',
    ]);
    const report = readFileSync(join(out, 'report.md'), 'utf8');
    expect(report).toMatch(
      /\| distill \| zero-shot\/retrieval \(zero-shot\) \| pretrained \| textToVideo\.r1 \| [0-9.]+ \|/,
    );
    expect(readFileSync(join(out, 'bars-arm.png')).subarray(1, 4).toString()).toBe('PNG');
  }, 180_000);
});
