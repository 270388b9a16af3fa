import { afterAll, beforeAll, expect, it } from 'vitest';
import { type CliProcess, startCli } from './cli-process';
import { demoDataDir } from './fixtures';

let dir: string;
let cleanup: () => void;
const procs: CliProcess[] = [];

beforeAll(async () => {
  ({ dir, cleanup } = await demoDataDir(0));
});
afterAll(() => {
  for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
  cleanup();
});

async function serve(): Promise<string> {
  const p = startCli(['serve', '--data', dir, '--port', '0']);
  procs.push(p);
  return (await p.waitFor(/listening on (http:\/\/\S+)/))[1];
}

// biome-ignore lint/suspicious/noExplicitAny: JSON responses, read field by field
type Json = any;
async function post(url: string, body: unknown): Promise<Json> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return res.json();
}
async function get(url: string): Promise<Json> {
  return (await fetch(url)).json();
}

it('sessions and profiles survive a SIGKILL of the server mid-conversation', async () => {
  let base = await serve();
  const a = await post(`${base}/api/sessions`, { userId: 'ada' });
  const b = await post(`${base}/api/sessions`, { userId: 'bob' });
  const r1 = await post(`${base}/api/sessions/${a.sessionId}/messages`, {
    text: 'a red sphere that bounces',
  });
  await post(`${base}/api/sessions/${b.sessionId}/messages`, { text: 'a blue cube that spins' });
  const liked = r1.recommendations[0].id;
  await post(`${base}/api/sessions/${a.sessionId}/feedback`, { itemId: liked, kind: 'like' });
  await post(`${base}/api/sessions/${a.sessionId}/messages`, { text: "I don't like striped ones" });
  const beforeA = await get(`${base}/api/sessions/${a.sessionId}`);
  const beforeB = await get(`${base}/api/sessions/${b.sessionId}`);
  expect(beforeA.turns).toHaveLength(4);
  expect(beforeA.profile.likes).toContain(`item:${liked}`);

  // a message in flight when the process dies: the turn is saved whole or not at all
  const inflight = fetch(`${base}/api/sessions/${b.sessionId}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ text: 'something green' }),
  }).catch(() => undefined);
  procs[0].child.kill('SIGKILL');
  await procs[0].exited;
  await inflight;

  base = await serve();
  const afterA = await get(`${base}/api/sessions/${a.sessionId}`);
  expect(afterA).toEqual(beforeA);
  const afterB = await get(`${base}/api/sessions/${b.sessionId}`);
  expect([2, 4]).toContain(afterB.turns.length);
  expect(afterB.turns.slice(0, 2)).toEqual(beforeB.turns);
  // the conversation goes on where it stopped
  const r3 = await post(`${base}/api/sessions/${a.sessionId}/messages`, { text: 'show me more red spheres' });
  expect(r3.recommendations.length).toBeGreaterThan(0);
  const final = await get(`${base}/api/sessions/${a.sessionId}`);
  expect(final.turns).toHaveLength(6);
  expect(final.profile.likes).toContain(`item:${liked}`);
  procs[1].child.kill('SIGTERM');
  expect(await procs[1].exited).toBe(0);
});
