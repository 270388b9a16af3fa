import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  candidateIds,
  type ReceivedRequest,
  startChatServer,
} from '../../../packages/recllm/test/chat-server';
import { type RunningServer, startServer } from '../src/serve';
import { demoDataDir } from './fixtures';

let dir: string;
let cleanup: () => void;
let llm: Awaited<ReturnType<typeof startChatServer>>;
let server: RunningServer;

/** A scripted OpenAI-compatible model: the policy retrieves, then recommends; the ranker reverses the pool. */
function answer(req: ReceivedRequest): string | number {
  const name = req.response_format?.json_schema?.name;
  if (name === 'ranking') {
    const ids = candidateIds(req);
    return JSON.stringify({
      ranking: [...ids]
        .reverse()
        .map((id, i) => ({ id, score: 1 - i / ids.length, explanation: `Model pick number ${i + 1}.` })),
    });
  }
  if (name === 'dialogue_action') {
    const ids = candidateIds(req);
    if (ids.length === 0) return JSON.stringify({ action: { type: 'retrieve', query: 'red sphere bounce' } });
    return JSON.stringify({
      action: {
        type: 'recommend',
        message: 'The model suggests:',
        items: ids.slice(0, 2).map((id) => ({ id, explanation: 'Chosen by the model.' })),
      },
    });
  }
  return 400;
}

beforeAll(async () => {
  ({ dir, cleanup } = await demoDataDir(0));
  llm = await startChatServer((req) => answer(req));
  server = await startServer({ dataDir: dir, port: 0, k: 3, llm: llm.baseUrl, model: 'scripted-model' });
});
afterAll(async () => {
  await server.close();
  await llm.close();
  cleanup();
});

it('serve --llm: the policy and ranker run on an OpenAI-compatible server', async () => {
  const post = (path: string, body: unknown) =>
    fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const { sessionId } = (await (await post('/api/sessions', { userId: 'ada' })).json()) as {
    sessionId: string;
  };
  const reply = (await (
    await post(`/api/sessions/${sessionId}/messages`, { text: 'something fun' })
  ).json()) as {
    text: string;
    recommendations: { id: string; explanation: string }[];
  };
  expect(llm.requests.map((r) => r.response_format?.json_schema?.name)).toEqual([
    'dialogue_action',
    'ranking',
    'dialogue_action',
  ]);
  expect(llm.requests.every((r) => r.model === 'scripted-model')).toBe(true);
  // the ranker's order (reversed retrieval) reached the policy, which recommended its first two
  const ranked = candidateIds(llm.requests[1]);
  expect(candidateIds(llm.requests[2]).slice(0, 2)).toEqual([...ranked].reverse().slice(0, 2));
  expect(reply.recommendations.map((r) => r.id)).toEqual([...ranked].reverse().slice(0, 2));
  expect(reply.recommendations.map((r) => r.explanation)).toEqual([
    'Chosen by the model.',
    'Chosen by the model.',
  ]);
  expect(reply.text.startsWith('The model suggests:')).toBe(true);
});
