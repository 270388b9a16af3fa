import { afterAll, beforeAll, expect, it } from 'vitest';
import { openApp } from '../src/app-context';
import { startCli } from './cli-process';
import { demoDataDir } from './fixtures';

let dir: string;
let cleanup: () => void;
beforeAll(async () => {
  ({ dir, cleanup } = await demoDataDir(0));
});
afterAll(() => cleanup());

it('vfm-recllm chat over stdin: recommendations with reasons, feedback, profile saved', async () => {
  const p = startCli(['chat', '--data', dir, '--k', '3', '--user', 'ada']);
  await p.waitFor(/rule policy/);
  p.child.stdin?.write('a red sphere that bounces\n');
  await p.waitFor(/^1\. .*\n2\. .*\n3\. .*$/m);
  p.child.stdin?.write('/like 2\n/profile\n/like 9\n');
  p.child.stdin?.end('/quit\n');
  expect(await p.exited).toBe(0);
  const out = p.stdout;
  expect(out).toContain('vfm-recllm chat: 200 videos, rule policy');
  const lines = [...out.matchAll(/^(\d)\. (.+) \((.+)\): (.+)$/gm)];
  expect(lines.map((m) => m[1])).toEqual(['1', '2', '3']);
  for (const m of lines) expect(m[4]).toMatch(/^Matches .*(red|sphere|bounce)/);
  expect(out).toMatch(/^liked .+\. profile: Likes /m);
  expect(out).toContain('no recommendation 9 in the last list');
  expect(out).toMatch(/^bye\. profile: Likes /m);
  // the like and the session are in the data folder's SQLite store
  const ctx = await openApp(dir);
  try {
    const profile = ctx.sessions.getProfile('ada');
    expect(profile?.likes.some((l) => l.startsWith('item:syn-'))).toBe(true);
    expect(profile?.likes).toContain(`channel:${lines[1][3]}`);
    expect(ctx.sessions.listSessions({ userId: 'ada', includeEnded: true })).toHaveLength(1);
  } finally {
    await ctx.close();
  }
});

it('refuses --llm together with --gguf with a clear message', async () => {
  const p = startCli(['chat', '--data', dir, '--llm', 'http://127.0.0.1:9/v1', '--gguf', 'x.gguf']);
  p.child.stdin?.end();
  expect(await p.exited).toBe(2);
  expect(p.stderr).toContain('give --llm or --gguf, not both');
});
