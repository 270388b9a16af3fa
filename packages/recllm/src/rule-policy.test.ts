import { describe, expect, it } from 'vitest';
import type { DialogueState } from './dialogue-state';
import { corpusVocabulary } from './parse';
import { emptyProfile } from './profile';
import { RulePolicy } from './rule-policy';
import { generateCorpus } from './synthetic-corpus';

describe('RulePolicy.query', () => {
  it('extends its per-session word list turn by turn and gives what a fresh computation gives', () => {
    const items = generateCorpus({ count: 300, seed: 2 });
    const vocabulary = corpusVocabulary(items);
    const policy = new RulePolicy({ maxQueryTerms: 12 });
    const messages = [
      'a red sphere that bounces',
      'something blue that spins',
      "I don't like striped ones",
      'a checkered box sliding',
      `short videos from ${items[3].channel}`,
      'a green cylinder falling, not red',
      'more like the first one',
      'a purple cone standing still',
      'bouncing bouncing red red sphere',
      'hello',
    ];
    const state: DialogueState = {
      sessionId: 's',
      userId: 'u',
      turns: [],
      profile: emptyProfile('u'),
      candidates: [],
      shown: [],
      preferences: [],
      ended: false,
    };
    const seen = new Set<string>();
    for (let i = 0; i < 60; i++) {
      state.turns.push({ role: 'user', text: messages[(i * 7) % messages.length], at: 'now' });
      if (i === 20) state.preferences.push({ kind: 'dislike', target: 'tag', value: 'red' });
      const q = policy.query(state, { vocabulary });
      // a copy has new turn objects: nothing cached, computed from the whole history
      expect(q).toBe(new RulePolicy({ maxQueryTerms: 12 }).query(structuredClone(state), { vocabulary }));
      seen.add(q);
      state.turns.push({ role: 'assistant', text: 'ok', at: 'now' });
    }
    expect(seen.size).toBeGreaterThan(5);
    // the newest message's words come first; a disliked word never appears
    expect(policy.query(state, { vocabulary }).split(' ')[0]).toBe(
      messages[(59 * 7) % messages.length].split(' ')[1],
    );
    expect(policy.query(state, { vocabulary }).split(' ')).not.toContain('red');
    // a history cut short is noticed (the cached list is not reused)
    state.turns.splice(2);
    expect(policy.query(state, { vocabulary })).toBe(
      new RulePolicy({ maxQueryTerms: 12 }).query(structuredClone(state), { vocabulary }),
    );
  });
});
