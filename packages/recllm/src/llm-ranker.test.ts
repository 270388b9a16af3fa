import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { candidateIds, startChatServer } from '../test/chat-server';
import type { DialogueState } from './dialogue-state';
import { checkExplanation, factVocabulary } from './explanation-check';
import type { Item } from './item';
import { LlmRanker } from './llm-ranker';
import { OpenAiChatClient } from './openai-client';
import { emptyProfile } from './profile';
import { RuleRanker } from './ranker';
import type { SearchHit } from './retrieval';
import { generateCorpus } from './synthetic-corpus';

const items = generateCorpus({ count: 200, seed: 4 });
const vocabulary = factVocabulary(items);
const state = (): DialogueState => ({
  sessionId: 's',
  userId: 'u',
  turns: [{ role: 'user', text: 'a red sphere', at: '' }],
  profile: emptyProfile('u'),
  candidates: [],
  shown: [],
  preferences: [],
  ended: false,
});
const hits = (xs: Item[]): SearchHit[] =>
  xs.map((item, i) => ({ id: item.id, item, rank: i + 1, score: 1 / (i + 1), ranks: {} }));
let server: Awaited<ReturnType<typeof startChatServer>>;
let answer: (ids: string[], i: number) => string | number = () => 500;

beforeAll(async () => {
  server = await startChatServer((req, i) => answer(candidateIds(req), i));
});
afterAll(() => server.close());

describe('checkExplanation', () => {
  const item = items.find((i) => i.tags.includes('red') && !i.tags.includes('green')) as Item;
  it('accepts facts of the item, flags colours, shapes, channels and numbers it lacks', () => {
    const mins = Math.round(item.durationS / 60);
    expect(
      checkExplanation(`A red video from ${item.channel}, about ${mins} minutes.`, item, vocabulary),
    ).toEqual({
      grounded: true,
      unsupported: [],
    });
    const other = items.find((i) => i.channel !== item.channel) as Item;
    const v = checkExplanation(`A green one from ${other.channel}, 99999 seconds long.`, item, vocabulary);
    expect(v.grounded).toBe(false);
    expect(v.unsupported).toEqual(
      expect.arrayContaining(['green', `channel:${other.channel.toLowerCase()}`, '99999']),
    );
    expect(checkExplanation('A relaxing pick you will enjoy.', item, vocabulary).grounded).toBe(true);
  });

  it('every rule-ranker explanation is grounded', () => {
    const ranked = new RuleRanker().rankSync({
      query: 'red sphere bounces camera orbits',
      hits: hits(items.slice(0, 100)),
      state: state(),
    });
    expect(ranked.filter((c) => !checkExplanation(c.explanation, c.item, vocabulary).grounded)).toEqual([]);
  });
});

describe('LlmRanker', () => {
  it('uses the model scores and explanations; replaces ungrounded ones (logged)', async () => {
    const events: Record<string, unknown>[] = [];
    const client = new OpenAiChatClient({ baseUrl: server.baseUrl, model: 'm', maxRetries: 0 });
    const ranker = new LlmRanker({ client, vocabulary, logger: (e) => events.push(e), maxCandidates: 5 });
    const pool = items.slice(0, 8);
    const wrongColour = ['red', 'green', 'blue', 'yellow'].find((c) => !pool[1].tags.includes(c)) as string;
    answer = (ids) =>
      JSON.stringify({
        ranking: ids.map((id, i) => ({
          id,
          score: i / 10, // reverses the retrieval order
          explanation: i === 1 ? `It shows a ${wrongColour} object.` : `From ${pool[i].channel}.`,
        })),
      });
    const ranked = await ranker.rank({ query: 'q', hits: hits(pool), state: state() });
    expect(ranked.map((c) => c.id)).toEqual(
      [...pool.slice(0, 5).reverse(), ...pool.slice(5)].map((i) => i.id),
    );
    const flagged = ranked.find((c) => c.id === pool[1].id);
    const rule = new RuleRanker().rankSync({ query: 'q', hits: hits(pool), state: state() });
    expect(flagged?.explanation).toBe(rule.find((c) => c.id === pool[1].id)?.explanation);
    expect(flagged?.explanation.split(/\W+/)).not.toContain(wrongColour);
    expect(events).toEqual([
      expect.objectContaining({ event: 'explanation_flagged', id: pool[1].id, unsupported: [wrongColour] }),
    ]);
    expect(ranked.find((c) => c.id === pool[0].id)?.explanation).toBe(`From ${pool[0].channel}.`);
  });

  it('repairs ids that are not candidates, then falls back to the rule ranker (logged)', async () => {
    const events: Record<string, unknown>[] = [];
    const client = new OpenAiChatClient({ baseUrl: server.baseUrl, model: 'm', maxRetries: 0 });
    const ranker = new LlmRanker({ client, vocabulary, logger: (e) => events.push(e) });
    answer = () => JSON.stringify({ ranking: [{ id: 'intruder', score: 1, explanation: 'pick me' }] });
    const pool = items.slice(10, 20);
    const ranked = await ranker.rank({ query: 'red sphere', hits: hits(pool), state: state() });
    const rule = new RuleRanker().rankSync({ query: 'red sphere', hits: hits(pool), state: state() });
    expect(ranked).toEqual(rule);
    expect(events.map((e) => e.event)).toEqual([
      'llm_output_invalid',
      'llm_output_invalid',
      'ranker_fallback',
    ]);
  });
});
