import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChatServer } from '../test/chat-server';
import type { Reply } from './dialogue-manager';
import { OpenAiChatClient } from './openai-client';
import { simulationMetrics } from './simulation';
import { LlmUser, ScriptedUser, withoutTitle } from './simulator';
import { generateCorpus } from './synthetic-corpus';

const items = generateCorpus({ count: 50, seed: 8 });
const target = items[3];
const miss = (ids: string[]): Reply => ({
  sessionId: 's',
  text: '',
  action: { type: 'recommend', items: ids.map((id) => ({ id, explanation: 'x' })) },
  actions: [],
  recommendations: ids.map((id) => ({
    id,
    explanation: 'x',
    item: items.find((i) => i.id === id) ?? items[0],
  })),
});

describe('ScriptedUser', () => {
  it('reveals facts per verbosity, succeeds on the target, gives up after its patience', async () => {
    const u = new ScriptedUser({
      target,
      persona: 'terse',
      verbosity: 2,
      forgetRate: 0,
      dislikeRate: 0,
      patience: 2,
      seed: 1,
    });
    const facts = target.description.split('. ').map((s) => s.split(', then ')[0]);
    expect(await u.opening()).toBe(
      `${facts[0].replace(/^An? /, (m) => m.toLowerCase())}, ${facts[1].replace(/^An? /, (m) => m.toLowerCase()).replace(/\.$/, '')}`,
    );
    expect(await u.respond(miss([items[0].id]), 1)).toMatchObject({ done: false, success: false });
    expect(await u.respond(miss([items[0].id]), 2)).toEqual({
      text: 'never mind, bye',
      done: true,
      success: false,
    });
    expect(await u.respond(miss([items[0].id, target.id]), 1)).toMatchObject({ done: true, success: true });
    expect(() => new ScriptedUser({ target, patience: 0 })).toThrow(/patience/);
  });

  it('states a dislike of a tag shared by the shown items and absent from the target', async () => {
    const shared = ['red', 'blue', 'green', 'yellow', 'purple', 'cyan', 'orange', 'white'].find(
      (c) => !target.tags.includes(c) && items.filter((i) => i.tags.includes(c)).length >= 3,
    ) as string;
    const shown = items.filter((i) => i.tags.includes(shared)).slice(0, 3);
    const u = new ScriptedUser({ target, dislikeRate: 1, seed: 2 });
    await u.opening();
    const r = await u.respond(miss(shown.map((i) => i.id)), 1);
    const disliked = /I don't like (\S+) ones/.exec(r.text)?.[1];
    expect(disliked).toBeDefined();
    expect(target.tags).not.toContain(disliked);
    expect(shown.filter((i) => i.tags.includes(disliked as string)).length).toBeGreaterThanOrEqual(2);
  });
});

describe('withoutTitle', () => {
  it('drops sentences that give the title away', () => {
    const title = 'Calm loop: striped red sphere bouncing';
    expect(
      withoutTitle('It is the Calm loop striped red sphere bouncing one! It has a red ball.', title),
    ).toBe('It has a red ball.');
    expect(withoutTitle('Calm loop, striped red sphere bouncing.', title)).toBe(
      'Could you show me something else?',
    );
    expect(withoutTitle('A red sphere that bounces.', title)).toBe('A red sphere that bounces.');
  });
});

describe('simulationMetrics', () => {
  it('computes success, turns, recall@k and mean rank by hand', () => {
    const m = simulationMetrics(
      [
        { targetId: 'a', success: true, turns: 1, targetRanks: [1], finalRank: 1 },
        { targetId: 'b', success: true, turns: 3, targetRanks: [9, 4], finalRank: 4 },
        { targetId: 'c', success: false, turns: 5, targetRanks: [undefined], finalRank: undefined },
      ],
      30,
      [1, 5],
    );
    expect(m).toEqual({
      sessions: 3,
      successRate: 2 / 3,
      meanTurnsToSuccess: 2,
      recallAt: { 1: 1 / 3, 5: 2 / 3 },
      meanRank: (1 + 4 + 31) / 3,
      mrr: (1 + 0.25) / 3,
    });
  });
});

describe('LlmUser', () => {
  let server: Awaited<ReturnType<typeof startChatServer>>;
  beforeAll(async () => {
    server = await startChatServer((_req, i) => JSON.stringify({ message: `message ${i}` }));
  });
  afterAll(() => server.close());

  it('talks through the chat client with the target as data and is judged by id', async () => {
    const client = new OpenAiChatClient({ baseUrl: server.baseUrl, model: 'sim', maxRetries: 0 });
    const u = new LlmUser(client, { target, persona: 'polite', patience: 3 });
    expect(await u.opening()).toBe('message 0');
    expect(await u.respond(miss([items[0].id]), 1)).toEqual({
      text: 'message 1',
      done: false,
      success: false,
    });
    expect(await u.respond(miss([target.id]), 2)).toMatchObject({ done: true, success: true });
    const prompt = server.requests[1].messages[1].content;
    expect(prompt).toContain(JSON.stringify(target.channel));
    expect(prompt).toContain('"text": "message 0"');
    expect(server.requests[0].response_format?.json_schema?.name).toBe('user_message');
  });
});
