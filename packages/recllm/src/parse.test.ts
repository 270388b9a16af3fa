import { describe, expect, it } from 'vitest';
import { actionJsonSchema, actionSchema } from './actions';
import { corpusVocabulary, isAcceptance, parseDuration, parsePreferences, referencedItem } from './parse';
import { generateCorpus } from './synthetic-corpus';

const items = generateCorpus({ count: 300, seed: 6 });
const vocab = corpusVocabulary(items);
const channel = items[0].channel;

describe('parsing user messages', () => {
  it('finds likes and dislikes of tags and channels', () => {
    expect(
      parsePreferences(`I love red spheres but I don't like striped ones, and not from ${channel}.`, vocab),
    ).toEqual([
      { kind: 'dislike', target: 'tag', value: 'striped' },
      { kind: 'dislike', target: 'channel', value: channel },
      { kind: 'like', target: 'tag', value: 'red' },
      { kind: 'like', target: 'tag', value: 'sphere' },
    ]);
    expect(parsePreferences('I hate bouncing things', vocab)).toEqual([
      { kind: 'dislike', target: 'tag', value: 'bounce' },
    ]);
    expect(parsePreferences('a red sphere please', vocab)).toEqual([]);
  });

  it('reads durations, item references and acceptance', () => {
    expect(parseDuration('under 2 minutes')).toEqual({ maxDurationS: 120 });
    expect(parseDuration('more than 30 seconds but less than 1 hour')).toEqual({
      minDurationS: 30,
      maxDurationS: 3600,
    });
    expect(parseDuration('short please')).toEqual({});
    const shown = items.slice(0, 3);
    expect(referencedItem('tell me about the second one', shown)).toBe(shown[1]);
    expect(referencedItem('how long is #3?', shown)).toBe(shown[2]);
    expect(referencedItem('the second one', shown)).toBeUndefined();
    expect(isAcceptance("That's the one, thanks!")).toBe(true);
    expect(isAcceptance('none of those')).toBe(false);
  });
});

describe('actions', () => {
  it('validate with limits and export a JSON schema with every action type', () => {
    expect(actionSchema.safeParse({ type: 'ask', question: 'Which one?' }).success).toBe(true);
    expect(actionSchema.safeParse({ type: 'ask', question: 'x'.repeat(401) }).success).toBe(false);
    expect(actionSchema.safeParse({ type: 'recommend', items: [] }).success).toBe(false);
    expect(
      actionSchema.safeParse({ type: 'retrieve', query: 'q', filters: { tags: ['Bad Tag'] } }).success,
    ).toBe(false);
    expect(actionSchema.safeParse({ type: 'ask', question: 'q', extra: 1 }).success).toBe(false);
    const schema = actionJsonSchema() as { properties: { action: { anyOf?: unknown[]; oneOf?: unknown[] } } };
    expect(schema).not.toHaveProperty('$schema');
    const variants = (schema.properties.action.anyOf ?? schema.properties.action.oneOf) as {
      properties: { type: { const: string } };
    }[];
    expect(variants.map((v) => v.properties.type.const).sort()).toEqual([
      'answer',
      'ask',
      'recommend',
      'record_preference',
      'retrieve',
    ]);
  });
});
