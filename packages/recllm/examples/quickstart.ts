/**
 * A conversation with the rule policy over a 2,000-item synthetic corpus, persisted in SQLite.
 * Run: npx tsx --conditions=@vfmkit/source packages/recllm/examples/quickstart.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DialogueManager, generateCorpus, HashingEmbedder, SqliteSessionStore } from '../src/index';
import { CorpusStore } from '../src/lancedb/index';

const dir = mkdtempSync(join(tmpdir(), 'recllm-quickstart-'));
const store = await CorpusStore.open({ dir: join(dir, 'corpus'), embedder: new HashingEmbedder() });
await store.upsert(generateCorpus({ count: 2000, seed: 0 }));
const sessions = new SqliteSessionStore(join(dir, 'sessions.db'));
const manager = new DialogueManager({ store, sessions, k: 3 });

const { sessionId } = await manager.startSession('ada');
for (const message of [
  'hi!',
  "a red sphere that bounces, but I don't like striped ones",
  'tell me about the first one?',
]) {
  const reply = await manager.handleMessage(sessionId, message);
  console.log(`> ${message}\n[${reply.actions.map((a) => a.type).join(' -> ')}]\n${reply.text}\n`);
}
const profile = await manager.endSession(sessionId);
console.log('profile:', profile.summary);
sessions.close();
await store.close();
rmSync(dir, { recursive: true, force: true });
