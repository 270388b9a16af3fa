import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateCorpus } from '@vfmkit/recllm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BODY_LIMITS } from '../src/api-schemas';
import { type AppContext, openApp } from '../src/app-context';
import { buildServer } from '../src/server';
import { demoDataDir, sseEvents } from './fixtures';

const TOKEN = 'test-admin-token-123';
let ctx: AppContext;
let app: ReturnType<typeof buildServer>;
let cleanup: () => void;

beforeAll(async () => {
  const d = await demoDataDir(3);
  cleanup = d.cleanup;
  ctx = await openApp(d.dir, { k: 3 });
  app = buildServer({
    manager: ctx.manager,
    store: ctx.store,
    sessions: ctx.sessions,
    mediaDir: ctx.mediaDir,
    adminToken: TOKEN,
  });
  // a secret next to the media folder, which the thumbnail route must never serve
  writeFileSync(join(d.dir, 'secret.png'), 'not for you');
  mkdirSync(join(ctx.mediaDir, 'sub'), { recursive: true });
});
afterAll(async () => {
  await app.close();
  await ctx.close();
  cleanup();
});

const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
  app.inject({
    method: 'POST',
    url,
    payload: payload as string,
    headers: { 'content-type': 'application/json', ...headers },
  });
const sessionCount = () => ctx.sessions.listSessions({ includeEnded: true }).length;

describe('happy paths', () => {
  it('session, SSE message with recommendations, profile, feedback, recommendations', async () => {
    const created = await post('/api/sessions', { userId: 'ada' });
    expect(created.statusCode).toBe(201);
    const { sessionId } = created.json();
    const msg = await post(
      `/api/sessions/${sessionId}/messages`,
      { text: 'a red sphere that bounces' },
      { accept: 'text/event-stream' },
    );
    expect(msg.statusCode).toBe(200);
    expect(msg.headers['content-type']).toContain('text/event-stream');
    const events = sseEvents(msg.body);
    expect(events.map((e) => e[0])).toEqual(['action', 'action', 'reply', 'done']);
    expect(events[0][1]).toMatchObject({ type: 'retrieve' });
    expect(events[1][1]).toMatchObject({ type: 'recommend' });
    const reply = events[2][1] as {
      recommendations: { id: string; explanation: string; item: { title: string } }[];
    };
    expect(reply.recommendations).toHaveLength(3);
    for (const r of reply.recommendations) expect(r.explanation.length).toBeGreaterThan(10);
    // the top pick is a red sphere: the rule ranker's reason names what matched
    const first = ctx.store.get(reply.recommendations[0].id);
    expect(first?.tags).toEqual(expect.arrayContaining(['red', 'sphere']));

    const recs = await app.inject(`/api/sessions/${sessionId}/recommendations`);
    expect(recs.json().recommendations.map((r: { id: string }) => r.id)).toEqual(
      reply.recommendations.map((r) => r.id),
    );

    const before = (await app.inject(`/api/sessions/${sessionId}/profile`)).json();
    expect(before.likes).toEqual([]);
    const liked = reply.recommendations[1].id;
    const fb = await post(`/api/sessions/${sessionId}/feedback`, { itemId: liked, kind: 'like' });
    expect(fb.statusCode).toBe(200);
    expect(fb.json().likes).toContain(`item:${liked}`);
    expect(fb.json().likes).toContain(`channel:${ctx.store.get(liked)?.channel}`);
    const after = (await app.inject(`/api/sessions/${sessionId}/profile`)).json();
    expect(after.summary).not.toBe(before.summary);

    const json = await post(`/api/sessions/${sessionId}/messages`, { text: 'something blue that spins' });
    expect(json.statusCode).toBe(200);
    expect(json.json().recommendations.length).toBeGreaterThan(0);
    const s = (await app.inject(`/api/sessions/${sessionId}`)).json();
    expect(s.turns.map((t: { role: string }) => t.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(s.turns[1].recommendations).toHaveLength(3);
  });

  it('ends a session: the profile carries over to the next session of the user', async () => {
    const { sessionId } = (await post('/api/sessions', { userId: 'dora' })).json();
    await post(`/api/sessions/${sessionId}/messages`, {
      text: "a green cube, but I don't like striped ones",
    });
    const ended = await post(`/api/sessions/${sessionId}/end`, {});
    expect(ended.statusCode).toBe(200);
    expect(ended.json().dislikes).toContain('striped');
    expect(ended.json().sessions).toBe(1);
    expect((await post(`/api/sessions/${sessionId}/messages`, { text: 'more' })).statusCode).toBe(409);
    expect((await post(`/api/sessions/${sessionId}/end`, {})).statusCode).toBe(409);
    const next = (await post('/api/sessions', { userId: 'dora' })).json();
    expect(next.profile.dislikes).toContain('striped');
  });

  it('serves the page, the OpenAPI document and thumbnails', async () => {
    const page = await app.inject('/');
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<script type="module" src="/app.js">');
    expect((await app.inject('/app.js')).headers['content-type']).toContain('javascript');
    const doc = (await app.inject('/openapi.json')).json();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/sessions', '/api/sessions/{id}/messages', '/api/admin/items']),
    );
    expect(
      doc.paths['/api/sessions/{id}/messages'].post.requestBody.content['application/json'].schema.properties
        .text.maxLength,
    ).toBe(2000);
    const png = await app.inject('/thumbnails/syn-0.png');
    expect(png.statusCode).toBe(200);
    expect(png.headers['content-type']).toBe('image/png');
    expect(png.rawPayload.subarray(1, 4).toString()).toBe('PNG');
    const gif = await app.inject('/thumbnails/syn-0.gif');
    expect(gif.rawPayload.subarray(0, 6).toString()).toBe('GIF89a');
    expect((await app.inject('/thumbnails/syn-199.png')).statusCode).toBe(404);
  });

  it('admin adds, updates and deletes items with the token', async () => {
    const [item] = generateCorpus({ count: 1, seed: 99, idPrefix: 'adm' });
    const auth = { authorization: `Bearer ${TOKEN}` };
    const add = await post('/api/admin/items', { items: [item] }, auth);
    expect(add.statusCode).toBe(200);
    expect(add.json().inserted).toEqual([item.id]);
    expect((await post('/api/admin/items', { items: [item] }, auth)).json().unchanged).toEqual([item.id]);
    const put = await app.inject({
      method: 'PUT',
      url: `/api/admin/items/${item.id}`,
      payload: { ...item, title: 'renamed video' },
      headers: auth,
    });
    expect(put.statusCode).toBe(200);
    expect(ctx.store.get(item.id)?.title).toBe('renamed video');
    const del = await app.inject({ method: 'DELETE', url: `/api/admin/items/${item.id}`, headers: auth });
    expect(del.json()).toEqual({ deleted: 1 });
    expect(ctx.store.get(item.id)).toBeUndefined();
  });
});

describe('bad input: clear 4xx, nothing stored', () => {
  it('oversized bodies', async () => {
    const n = sessionCount();
    const big = await post('/api/sessions', JSON.stringify({ userId: 'x'.repeat(BODY_LIMITS.api + 10) }));
    expect(big.statusCode).toBe(413);
    expect(big.json().error.code).toBe('BODY_TOO_LARGE');
    const long = await post('/api/sessions', { userId: 'x'.repeat(200) });
    expect(long.statusCode).toBe(400);
    expect(long.json().error.message).toContain('userId');
    expect(sessionCount()).toBe(n);
    const { sessionId } = (await post('/api/sessions', { userId: 'bob' })).json();
    const turns = () => ctx.manager.getSession(sessionId)?.turns.length;
    const longMsg = await post(`/api/sessions/${sessionId}/messages`, { text: 'a'.repeat(2001) });
    expect(longMsg.statusCode).toBe(400);
    expect(longMsg.json().error.message).toContain('text');
    expect(turns()).toBe(0);
  });

  it('malformed JSON and wrong shapes', async () => {
    const n = sessionCount();
    const bad = await post('/api/sessions', '{"userId": "ada",');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('MALFORMED_JSON');
    const extra = await post('/api/sessions', { userId: 'ada', admin: true });
    expect(extra.statusCode).toBe(400);
    expect((await post('/api/sessions', [1, 2])).statusCode).toBe(400);
    expect(sessionCount()).toBe(n);
  });

  it('unknown sessions and items', async () => {
    const missing = await post('/api/sessions/00000000-0000-0000-0000-000000000000/messages', { text: 'hi' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('UNKNOWN_SESSION');
    expect((await app.inject('/api/sessions/nope-nope')).statusCode).toBe(404);
    expect((await app.inject('/api/sessions/bad%20id!')).statusCode).toBe(400);
    const { sessionId } = (await post('/api/sessions', { userId: 'cy' })).json();
    const fb = await post(`/api/sessions/${sessionId}/feedback`, { itemId: 'no-such-item', kind: 'like' });
    expect(fb.statusCode).toBe(404);
    expect(ctx.manager.getSession(sessionId)?.preferences).toEqual([]);
    expect(
      (await post(`/api/sessions/${sessionId}/feedback`, { itemId: 'syn-1', kind: 'love' })).statusCode,
    ).toBe(400);
  });

  it('path traversal in the thumbnail route', async () => {
    for (const url of [
      '/thumbnails/..%2Fsecret.png',
      '/thumbnails/%2E%2E%2Fsecret.png',
      '/thumbnails/sub/..%2F..%2Fsecret.png',
      '/thumbnails/..%5Csecret.png',
      '/thumbnails/%2Fetc%2Fpasswd',
      '/thumbnails/syn-0.png%00.gif',
      '/thumbnails/.hidden.png',
      '/thumbnails/syn-0.txt',
    ]) {
      const r = await app.inject(url);
      expect([400, 404], url).toContain(r.statusCode);
      expect(r.body).not.toContain('not for you');
    }
    expect((await app.inject('/thumbnails/..%2Fsecret.png')).json().error.code).toBe('BAD_MEDIA_PATH');
    expect(existsSync(join(ctx.dataDir, 'secret.png'))).toBe(true);
  });

  it('admin calls without (or with a wrong) token', async () => {
    const [item] = generateCorpus({ count: 1, seed: 7, idPrefix: 'evil' });
    const size = ctx.store.size;
    const none = await post('/api/admin/items', { items: [item] });
    expect(none.statusCode).toBe(401);
    expect(none.json().error.message).toContain('bearer');
    expect(
      (await post('/api/admin/items', { items: [item] }, { authorization: 'Bearer wrong' })).statusCode,
    ).toBe(401);
    expect(
      (await post('/api/admin/items', { items: [item] }, { authorization: `Basic ${TOKEN}` })).statusCode,
    ).toBe(401);
    expect((await app.inject({ method: 'DELETE', url: '/api/admin/items/syn-1' })).statusCode).toBe(401);
    const invalid = await post(
      '/api/admin/items',
      { items: [{ ...item, tags: ['Not A Slug'] }] },
      { authorization: `Bearer ${TOKEN}` },
    );
    expect(invalid.statusCode).toBe(400);
    expect(ctx.store.size).toBe(size);
    expect(ctx.store.get(item.id)).toBeUndefined();
    expect(ctx.store.get('syn-1')).toBeDefined();
  });
});
