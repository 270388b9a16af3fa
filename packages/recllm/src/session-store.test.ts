import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CorpusStore } from './corpus-store';
import { DialogueManager } from './dialogue-manager';
import { HashingEmbedder } from './hashing-embedder';
import { emptyProfile, updateProfileByRules } from './profile';
import { SqliteSessionStore } from './session-store';
import { generateCorpus } from './synthetic-corpus';

const items = generateCorpus({ count: 300, seed: 5 });
let dir: string;
let store: CorpusStore;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'recllm-sql-'));
  store = await CorpusStore.open({ dir: join(dir, 'corpus'), embedder: new HashingEmbedder() });
  await store.upsert(items);
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('SqliteSessionStore', () => {
  it('resumes every session after a restart and keeps the updated profile', async () => {
    const db = join(dir, 'sessions.db');
    let sessions = new SqliteSessionStore(db);
    let m = new DialogueManager({ store, sessions });
    const a = await m.startSession('carol');
    const b = await m.startSession('dave');
    const r1 = await m.handleMessage(a.sessionId, 'I love blue ones. A blue box that spins');
    await m.handleMessage(b.sessionId, 'a yellow sphere falling');
    await m.feedback(a.sessionId, r1.recommendations[0].id, 'like');
    const before = structuredClone(m.getSession(a.sessionId));
    sessions.close();

    // "Restart": a new store object on the same file, a new manager.
    sessions = new SqliteSessionStore(db);
    m = new DialogueManager({ store, sessions });
    expect(
      sessions
        .listSessions()
        .map((s) => [s.userId, s.turns])
        .sort(),
    ).toEqual([
      ['carol', 2],
      ['dave', 2],
    ]);
    const resumed = m.getSession(a.sessionId);
    expect(resumed).toEqual(before);
    const r2 = await m.handleMessage(a.sessionId, 'none of those, the camera orbits');
    expect(r2.recommendations.map((r) => r.id)).not.toContain(r1.recommendations[0].id);
    const profile = await m.endSession(a.sessionId);
    expect(profile.likes).toEqual(
      expect.arrayContaining(['blue', `channel:${r1.recommendations[0].item.channel}`]),
    );
    sessions.close();

    sessions = new SqliteSessionStore(db);
    m = new DialogueManager({ store, sessions });
    expect(sessions.getProfile('carol')).toEqual(profile);
    expect(sessions.loadSession(a.sessionId)?.turns).toHaveLength(4);
    expect(sessions.listSessions().map((s) => s.userId)).toEqual(['dave']);
    expect(sessions.listSessions({ includeEnded: true })).toHaveLength(2);
    const next = await m.startSession('carol');
    expect(next.profile).toEqual(profile);
    await expect(m.startSession('carol', next.sessionId)).rejects.toThrow(/already exists/);
    sessions.close();
  });

  it('stores candidates without their items and re-attaches them from the corpus on load', async () => {
    const db = join(dir, 'lean.db');
    let sessions = new SqliteSessionStore(db);
    let m = new DialogueManager({ store, sessions });
    const s = await m.startSession('fay');
    await m.handleMessage(s.sessionId, 'a green cylinder that falls');
    const before = structuredClone(m.getSession(s.sessionId));
    expect(before?.candidates.length).toBeGreaterThan(5);
    sessions.close();
    const raw = new Database(db);
    const row = raw.prepare('SELECT state_json FROM sessions WHERE id = ?').get(s.sessionId) as {
      state_json: string;
    };
    const stored = JSON.parse(row.state_json) as { candidates: Record<string, unknown>[] };
    expect(stored.candidates.map((c) => Object.keys(c).sort())).toEqual(
      before?.candidates.map(() => ['explanation', 'id', 'retrievalRank', 'score']),
    );
    // a row written by an older version kept each item: one of them is no longer in the corpus
    const gone = { ...items[7], id: 'gone-1', title: 'An item deleted since' };
    stored.candidates[0] = { ...stored.candidates[0], id: 'gone-1', item: gone };
    stored.candidates[1] = { ...stored.candidates[1], id: 'gone-2' };
    raw.prepare('UPDATE sessions SET state_json = ? WHERE id = ?').run(JSON.stringify(stored), s.sessionId);
    raw.close();
    sessions = new SqliteSessionStore(db);
    m = new DialogueManager({ store, sessions });
    const after = m.getSession(s.sessionId);
    expect(after?.candidates[0].item).toEqual(gone);
    expect(after?.candidates.map((c) => c.id)).not.toContain('gone-2');
    expect(after?.candidates.slice(1)).toEqual(before?.candidates.slice(2));
    sessions.close();
  });

  it('refuses a state whose conversation is shorter than the stored one', async () => {
    const sessions = new SqliteSessionStore(':memory:');
    const m = new DialogueManager({ store, sessions });
    const s = await m.startSession('erin');
    await m.handleMessage(s.sessionId, 'a red sphere');
    const stale = { ...structuredClone(m.getSession(s.sessionId)), turns: [] } as never;
    expect(() => sessions.saveSession(stale)).toThrow(/has 2 stored turns but the state has 0/);
    sessions.close();
  });
});

describe('updateProfileByRules', () => {
  it('moves each phrase to the front of its list, latest statement wins, summary rewritten', () => {
    const p0 = { ...emptyProfile('u', new Date(0)), likes: ['red', 'sphere'], dislikes: ['shake'] };
    const p1 = updateProfileByRules(
      p0,
      [
        { kind: 'dislike', target: 'tag', value: 'red' },
        { kind: 'like', target: 'channel', value: 'Pixel Lab' },
        { kind: 'like', target: 'tag', value: 'Shake' },
      ],
      new Date(1000),
    );
    expect(p1).toEqual({
      userId: 'u',
      likes: ['shake', 'channel:Pixel Lab', 'sphere'],
      dislikes: ['red'],
      summary: 'Likes shake, the channel Pixel Lab, sphere. Dislikes red.',
      sessions: 1,
      updatedAt: '1970-01-01T00:00:01.000Z',
    });
  });
});
