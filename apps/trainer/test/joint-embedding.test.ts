import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SSL_METHOD_NAMES } from '@vfmkit/ssl';
import { loadVitCheckpoint } from '@vfmkit/vit-encoder';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../src/config/load-config';
import { JsonlLog } from '../src/run/jsonl-log';
import { runFiles, train } from '../src/train/train';

const root = mkdtempSync(join(tmpdir(), 'vfm-je-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A nano encoder on 2 views of 2 frames from 4 x 32 x 32 clips (tubelets 2 x 8 x 8: 16 tokens per view). */
function nano(recipe: string, name: string, extra: string[] = []) {
  return resolveConfig(recipe, {
    overrides: [
      `--out=${join(root, name)}`,
      '--steps=4',
      '--batchSize=4',
      '--frames=4',
      '--size=32',
      '--model.variant=nano/8',
      '--data.source=synth4d',
      '--data.size=4',
      '--checkpointEvery=2',
      '--exportOnnx=false',
      '--pictures=false',
      '--optim.warmupSteps=1',
      ...extra,
    ],
  });
}

describe('joint-embedding recipes', () => {
  it.each(SSL_METHOD_NAMES)(
    '%s trains a nano encoder and writes it in vit-encoder format',
    async (method) => {
      const result = await train(await nano(method, method), { progress: false });
      expect(result.steps).toBe(4);
      for (const { loss } of result.losses) expect(Number.isFinite(loss)).toBe(true);
      const { config } = await loadVitCheckpoint(runFiles(result.out).encoder);
      expect(config.frames).toBe(2); // views of half the source clip
      const steps = JsonlLog.read(runFiles(result.out).log).filter((r) => r.event === 'step');
      for (const s of steps) expect(s['ssl.embeddingStd']).toBeGreaterThan(0);
    },
  );

  it('BYOL resumes exactly: its momentum target and schedule are part of the checkpoint', async () => {
    const full = await train(await nano('byol', 'byol-full'), { progress: false });
    const cut = await nano('byol', 'byol-cut');
    const first = await train(cut, { progress: false, maxStepsThisRun: 2 });
    const second = await train(cut, { progress: false, resume: true });
    expect([...first.losses, ...second.losses]).toEqual(full.losses);
  });

  it('DINO on two data-parallel workers takes the steps of one thread (center from the whole batch)', async () => {
    const single = await train(await nano('dino', 'dino-1'), { progress: false });
    const dp = await train(await nano('dino', 'dino-2', ['--workers=2']), { progress: false });
    for (const [i, l] of single.losses.entries()) expect(dp.losses[i].loss).toBeCloseTo(l.loss, 3);
  });

  it('reports a collapse in the log: identical clips and views give embeddings with no spread', async () => {
    const config = await nano('simclr', 'collapse', ['--data.size=1', '--views.policy=none', '--steps=1']);
    await train(config, { progress: false });
    const events = JsonlLog.read(runFiles(config.out).log);
    const collapse = events.find((e) => e.event === 'collapse');
    expect(collapse?.step).toBe(1);
    expect(String(collapse?.message)).toMatch(/collapsing/);
    expect(events.find((e) => e.event === 'step')?.['ssl.embeddingStd']).toBeLessThan(1e-3);
  });
});
