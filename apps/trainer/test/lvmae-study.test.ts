import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { JsonlLog } from '../src/run/jsonl-log';
import { runQuickStudy } from './study-bin';

const root = mkdtempSync(join(tmpdir(), 'vfm-lvmae-study-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('vfm-study lvmae', () => {
  it('trains its tokenizer once, then runs the quick grid (adaptive vs random decoder masks) end to end', async () => {
    const out = join(root, 'out');
    // TMPDIR: the study keeps its tokenizers under the temp folder; a fresh one proves it trains them.
    const run = runQuickStudy('lvmae', out, { ...process.env, TMPDIR: root });
    expect(await run.exited, run.output()).toBe(0);
    const tokenizer = join(root, 'vfm-lvmae-tokenizers', 'quick-s32');
    expect(existsSync(join(tokenizer, 'tokenizer.safetensors'))).toBe(true);
    // trained on 4-frame clips, used by the 8-frame cells
    expect(JSON.parse(readFileSync(join(tokenizer, 'config.json'), 'utf8')).frames).toBe(4);
    const results = readFileSync(join(out, 'results.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(results.map((r) => r.id)).toEqual([
      'decoder-adaptive_target-tokens_frames-8_seed-0',
      'decoder-random_target-tokens_frames-8_seed-0',
    ]);
    for (const r of results) {
      const config = JSON.parse(readFileSync(join(out, 'cells', r.id, 'run', 'config.json'), 'utf8'));
      expect(config.lvmae).toEqual({ tokenizer, decoder: r.cell.decoder, target: 'tokens', budget: 0.15 });
      const log = JsonlLog.read(join(out, 'cells', r.id, 'run', 'log.jsonl'));
      expect(log.filter((e) => e.event === 'step').map((e) => e.step)).toEqual([1, 2, 3]);
      expect(r.metrics).toHaveLength(1);
      expect(r.metrics[0]).toMatchObject({ task: 'synth4d/actions', metric: 'top1' });
    }
    const report = readFileSync(join(out, 'report.md'), 'utf8');
    expect(report).toMatch(
      /\| adaptive \| tokens \| 8 \| synth4d\/actions \(frozen\) \| pretrained \| top1 \| [0-9.]+ \|/,
    );
    expect(readFileSync(join(out, 'bars-decoder-target.png')).subarray(1, 4).toString()).toBe('PNG');
  }, 120_000);
});
