import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CorpusStore } from './corpus-store';
import { DialogueManager } from './dialogue-manager';
import { HashingEmbedder } from './hashing-embedder';
import { simulate, simulationMetrics } from './simulation';
import { generateCorpus } from './synthetic-corpus';

const items = generateCorpus({ count: 2000, seed: 1 });
let dir: string;
let store: CorpusStore;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'recllm-dm-'));
  store = await CorpusStore.open({ dir, embedder: new HashingEmbedder() });
  await store.upsert(items);
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('DialogueManager with the rule policy', () => {
  it('asks when vague, records dislikes as filters, recommends new items, answers about one', async () => {
    const m = new DialogueManager({ store, k: 5 });
    const s = await m.startSession('alice');
    const r1 = await m.handleMessage(s.sessionId, 'hi there');
    expect(r1.action.type).toBe('ask');
    const seen: string[] = [];
    const r2 = await m.handleMessage(
      s.sessionId,
      'a red sphere that bounces, but I do not like striped ones',
      {
        onAction: (a) => {
          seen.push(a.type);
          if (a.type === 'retrieve') throw new Error('a failing listener changes nothing');
        },
      },
    );
    expect(seen).toEqual(['record_preference', 'retrieve', 'recommend']);
    expect(r2.actions.map((a) => a.type)).toEqual(['record_preference', 'retrieve', 'recommend']);
    expect(r2.actions[0]).toEqual({
      type: 'record_preference',
      preferences: [{ kind: 'dislike', target: 'tag', value: 'striped' }],
    });
    const retrieve = r2.actions[1];
    expect(retrieve.type === 'retrieve' && retrieve.filters?.excludeTags).toEqual(['striped']);
    expect(retrieve.type === 'retrieve' && retrieve.query).toBe('red sphere bounces');
    expect(r2.recommendations).toHaveLength(5);
    for (const r of r2.recommendations) {
      expect(r.item.tags).not.toContain('striped');
      expect(r.item.tags).toEqual(expect.arrayContaining(['red', 'sphere']));
    }
    const r3 = await m.handleMessage(s.sessionId, 'tell me more about the second one?');
    expect(r3.action).toMatchObject({ type: 'answer', itemId: r2.recommendations[1].id });
    expect(r3.text).toContain(r2.recommendations[1].item.channel);
    const r4 = await m.handleMessage(s.sessionId, 'none of those, it is under 2 minutes');
    const ids2 = new Set(r2.recommendations.map((r) => r.id));
    expect(r4.recommendations.length).toBeGreaterThan(0);
    for (const r of r4.recommendations) {
      expect(ids2.has(r.id)).toBe(false);
      expect(r.item.durationS).toBeLessThanOrEqual(120);
    }
    const profile = await m.endSession(s.sessionId);
    expect(profile.dislikes).toEqual(['striped']);
    expect(profile.summary).toBe('Dislikes striped.');
    await expect(m.handleMessage(s.sessionId, 'hello?')).rejects.toMatchObject({ code: 'RECLLM_SESSION' });
    await expect(m.handleMessage('nope', 'hello?')).rejects.toThrow(/unknown session/);
  });

  it('handles messages of one session in order when they arrive at once', async () => {
    const m = new DialogueManager({ store });
    const s = await m.startSession('bob');
    const texts = ['a blue box', 'that spins', 'camera orbits', 'green cylinder too'];
    await Promise.all(texts.map((t) => m.handleMessage(s.sessionId, t)));
    const state = m.getSession(s.sessionId);
    expect(state?.turns.filter((t) => t.role === 'user').map((t) => t.text)).toEqual(texts);
    expect(state?.turns.map((t) => t.role)).toEqual([
      'user',
      'assistant',
      'user',
      'assistant',
      'user',
      'assistant',
      'user',
      'assistant',
    ]);
  });

  it('drops idle sessions beyond maxLiveSessions and reloads them intact from the session store', async () => {
    const m = new DialogueManager({ store, maxLiveSessions: 2 });
    const ids: string[] = [];
    for (const u of ['p', 'q', 'r']) {
      const s = await m.startSession(u);
      ids.push(s.sessionId);
      await m.handleMessage(s.sessionId, 'a green box that spins');
    }
    await new Promise((r) => setTimeout(r, 0)); // eviction runs after each queued turn settles
    expect(m.liveSessionCount).toBe(2);
    const first = m.getSession(ids[0]);
    expect(m.liveSessionCount).toBe(3);
    expect(first?.turns).toHaveLength(2);
    expect(first?.shown).toHaveLength(5);
    const r = await m.handleMessage(ids[0], 'none of those, a cyan one');
    expect(r.recommendations.map((x) => x.id).filter((id) => first?.shown.slice(0, 5).includes(id))).toEqual(
      [],
    );
    expect(m.getSession(ids[0])?.turns).toHaveLength(4);
  });

  it('reaches the target with the scripted simulator: success rate over 60 sessions on 2,000 items', async () => {
    const m = new DialogueManager({ store, mode: 'hybrid', k: 5, pool: 30 });
    const results = await simulate(m, { items, sessions: 60, seed: 11, patience: 4 });
    const metrics = simulationMetrics(results, 30);
    // Measured 0.983 (59/60) and 1.34 turns to success with these seeds (README); bound a bit below.
    expect(metrics.successRate).toBeGreaterThanOrEqual(0.9);
    expect(metrics.meanTurnsToSuccess).toBeGreaterThanOrEqual(1);
    expect(metrics.meanTurnsToSuccess).toBeLessThan(3);
    expect(metrics.recallAt[10]).toBeGreaterThanOrEqual(metrics.recallAt[1]);
    expect(metrics.meanTurnsToSuccess).toBeCloseTo(1.339, 2);
    const wins = results.filter((r) => r.success);
    expect(wins.every((r) => r.finalRank !== undefined && r.finalRank <= 30)).toBe(true);
  });
});
