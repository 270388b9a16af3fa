import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDemo } from '../src/demo';

/** A temp data folder with a small synthetic corpus (200 items, `clips` rendered thumbnails). */
export async function demoDataDir(clips = 3, items = 200): Promise<{ dir: string; cleanup: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'recllm-app-'));
  await runDemo({ dataDir: dir, items, clips, seed: 0 });
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Parses an SSE body into `[event, data]` pairs. */
export function sseEvents(body: string): [string, unknown][] {
  return body
    .split('\n\n')
    .filter((b) => b.trim())
    .map((b) => {
      const event = /^event: (.*)$/m.exec(b)?.[1] ?? 'message';
      const data = /^data: (.*)$/m.exec(b)?.[1] ?? 'null';
      return [event, JSON.parse(data)];
    });
}
