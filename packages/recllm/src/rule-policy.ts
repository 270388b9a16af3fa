import type { Action, Preference } from './actions';
import type { DialogueState, Turn } from './dialogue-state';
import type { Filters } from './filters';
import {
  type CorpusVocabulary,
  channelIn,
  isAcceptance,
  parseDuration,
  parsePreferences,
  referencedItem,
} from './parse';
import type { Policy, PolicyContext } from './policy';
import { stated } from './ranker';
import { tokenize } from './text';

/** Conversational words that never go into a retrieval query. */
const FILLER = new Set(
  tokenize(
    'hi hello hey thanks thank none no yes not those these ones one maybe else other another different ' +
      'good great nice cool okay ok well also again still really more less kind sort thing stuff watch watching ' +
      'recommend recommendation suggest need looking look see got have had',
  ),
);
// 'still' is a synth4d tag: keep it out of the filler list.
FILLER.delete('still');

/** Options of {@link RulePolicy}. */
export interface RulePolicyOptions {
  /** Fewest content words before the policy retrieves instead of asking (default 2). */
  minQueryTerms?: number;
  /** Most words in a retrieval query (default 24; most recent messages first). */
  maxQueryTerms?: number;
}

const QUESTIONS = [
  'What should be in the video: which shapes or colours?',
  'How do things move in it: bouncing, spinning, sliding, falling?',
  'Anything else you remember: the camera, the channel or the length?',
];

/**
 * The rule-based policy: the offline default and the baseline. Per turn: record stated preferences;
 * answer a question about a recommended item; otherwise ask a clarifying question while the request has
 * fewer than `minQueryTerms` content words, else retrieve with a query made of the session's content
 * words (newest first, disliked words removed) and filters (disliked tags excluded, a named channel,
 * "under N minutes", items already shown excluded); after retrieval, recommend the top `k` candidates
 * with the ranker's explanations.
 */
export class RulePolicy implements Policy {
  readonly name = 'rule';
  private readonly minTerms: number;
  private readonly maxTerms: number;

  constructor(options: RulePolicyOptions = {}) {
    this.minTerms = options.minQueryTerms ?? 2;
    this.maxTerms = options.maxQueryTerms ?? 24;
  }

  async decide(ctx: PolicyContext): Promise<Action> {
    return this.decideSync(ctx);
  }

  /** {@link decide}, synchronously (the LLM policy's fallback). */
  decideSync(ctx: PolicyContext): Action {
    const { state, turnActions } = ctx;
    const last = lastUserText(state);
    const did = (t: Action['type']) => turnActions.some((a) => a.type === t);
    if (!did('record_preference') && !did('retrieve')) {
      const prefs = parsePreferences(last, ctx.vocabulary).filter(
        (p) => !alreadyRecorded(state.preferences, p),
      );
      if (prefs.length > 0) return { type: 'record_preference', preferences: prefs.slice(0, 10) };
    }
    if (did('retrieve')) {
      const shown = new Set(state.shown);
      const fresh = state.candidates.filter((c) => !shown.has(c.id)).slice(0, ctx.k);
      if (fresh.length === 0)
        return {
          type: 'ask',
          question: "I couldn't find anything new for that. Could you describe the video differently?",
        };
      return {
        type: 'recommend',
        message: 'Here are some videos that match:',
        items: fresh.map((c) => ({ id: c.id, explanation: c.explanation.slice(0, 400) })),
      };
    }
    const latestShown = latestRecommendations(state)
      .map((id) => ctx.lookup(id))
      .filter((x) => x !== undefined);
    const about = referencedItem(last, latestShown);
    if (about) {
      const mins =
        about.durationS < 60
          ? `${Math.round(about.durationS)} seconds`
          : `${Math.round(about.durationS / 60)} minutes`;
      return {
        type: 'answer',
        itemId: about.id,
        answer: `"${about.title}" is a ${mins} video from ${about.channel}. ${about.description}`.slice(
          0,
          1200,
        ),
      };
    }
    if (isAcceptance(last) && state.shown.length > 0)
      return { type: 'ask', question: 'Glad you found it! Would you like anything else?' };
    const query = this.query(state, ctx);
    const filters = this.filters(state, ctx);
    const hasFilter =
      filters.channel !== undefined ||
      filters.maxDurationS !== undefined ||
      filters.minDurationS !== undefined;
    if (tokenize(query).length < this.minTerms && !hasFilter) {
      const asked = state.turns.filter((t) => t.action?.type === 'ask').length;
      return { type: 'ask', question: QUESTIONS[asked % QUESTIONS.length] };
    }
    return { type: 'retrieve', query: query.slice(0, 300) || 'video', filters };
  }

  /** The retrieval query: content words of the session's user messages, newest message first. */
  query(state: DialogueState, ctx: Pick<PolicyContext, 'vocabulary'>): string {
    const { dislikes } = stated(state);
    const banned = new Set(dislikes.flatMap((d) => tokenize(d.replace(/^channel:/, ''))));
    const words: string[] = [];
    for (const { stem, word } of sessionWords(state, ctx.vocabulary)) {
      if (words.length >= this.maxTerms) break;
      if (!banned.has(stem)) words.push(word);
    }
    return words.join(' ');
  }

  /** Filters from the session: disliked tags and channels, a named channel, durations, shown items. */
  filters(state: DialogueState, ctx: Pick<PolicyContext, 'vocabulary'>): Filters {
    const { dislikes } = stated(state);
    const f: Filters = {};
    const excludeTags = dislikes.filter(
      (d) => /^[a-z0-9][a-z0-9-]*$/.test(d) && ctx.vocabulary.tagsByStem.size > 0,
    );
    if (excludeTags.length) f.excludeTags = excludeTags.slice(0, 16);
    for (const t of state.turns) {
      if (t.role !== 'user') continue;
      const facts = turnFacts(t, ctx.vocabulary);
      if (facts.channel && !dislikes.includes(`channel:${facts.channel}`)) f.channel = facts.channel;
      Object.assign(f, facts.duration);
    }
    if (state.shown.length) f.excludeIds = state.shown.slice(-1000);
    return f;
  }
}

/** What the policy reads from one user message; a pure function of its text and the vocabulary. */
interface TurnFacts {
  readonly vocabulary: CorpusVocabulary;
  /** Content words in order (dislike clauses, filler and the named channel's words left out), stemmed and as typed (lowercased). */
  readonly words: readonly { stem: string; word: string }[];
  /** The channel the message names, outside "not from ..." clauses. */
  readonly channel?: string;
  readonly duration: { minDurationS?: number; maxDurationS?: number };
}

// Turns are immutable values: what a message says is computed once per turn object (and vocabulary),
// not again on every later turn of the session.
const turnFactsCache = new WeakMap<Turn, TurnFacts>();

function turnFacts(turn: Turn, vocabulary: CorpusVocabulary): TurnFacts {
  const cached = turnFactsCache.get(turn);
  if (cached?.vocabulary === vocabulary) return cached;
  // Drop the clauses that state dislikes ("I don't like striped ones") before taking words.
  const text = turn.text.replace(
    /\b(?:don'?t|do not|dont)\s+(?:like|want|enjoy)\s+[^.,!?;]+|\b(?:hate|dislike|not|no more)\s+[^.,!?;]+/gi,
    ' ',
  );
  const named = channelIn(text, vocabulary);
  const channelWords = named ? tokenize(named) : [];
  const words: { stem: string; word: string }[] = [];
  for (const raw of text.split(/[^\p{L}\p{N}]+/u)) {
    const [w] = tokenize(raw);
    if (!w || FILLER.has(w) || channelWords.includes(w)) continue;
    words.push({ stem: w, word: raw.toLowerCase() });
  }
  const facts: TurnFacts = {
    vocabulary,
    words,
    channel: channelIn(turn.text.replace(/\bnot\s+from\s+[^.,!?;]+/gi, ' '), vocabulary),
    duration: parseDuration(turn.text),
  };
  turnFactsCache.set(turn, facts);
  return facts;
}

/** The content words of a session's user messages, newest message first, one per stem (its newest use). */
interface SessionWords {
  readonly vocabulary: CorpusVocabulary;
  readonly turns: readonly Turn[];
  /** How many turns the list covers, and the last of them (to notice a replaced or cut history). */
  readonly count: number;
  readonly last: Turn | undefined;
  readonly list: readonly { stem: string; word: string }[];
}

// Kept per state and extended by the turns appended since (a turn costs O(distinct words), not O(turns)).
const sessionWordsCache = new WeakMap<DialogueState, SessionWords>();

/** Adds one user message in front: its words (first use of each stem), then the older ones not in it. */
function prepend(
  list: readonly { stem: string; word: string }[],
  turn: Turn,
  vocabulary: CorpusVocabulary,
): { stem: string; word: string }[] {
  const fresh: { stem: string; word: string }[] = [];
  const stems = new Set<string>();
  for (const w of turnFacts(turn, vocabulary).words)
    if (!stems.has(w.stem)) {
      stems.add(w.stem);
      fresh.push(w);
    }
  if (fresh.length === 0) return [...list];
  for (const w of list) if (!stems.has(w.stem)) fresh.push(w);
  return fresh;
}

function sessionWords(
  state: DialogueState,
  vocabulary: CorpusVocabulary,
): readonly { stem: string; word: string }[] {
  const turns = state.turns;
  const c = sessionWordsCache.get(state);
  let list: readonly { stem: string; word: string }[] = [];
  let from = 0;
  if (
    c &&
    c.vocabulary === vocabulary &&
    c.turns === turns &&
    c.count <= turns.length &&
    (c.count === 0 || turns[c.count - 1] === c.last)
  ) {
    if (c.count === turns.length) return c.list;
    list = c.list;
    from = c.count;
  }
  for (let i = from; i < turns.length; i++)
    if (turns[i].role === 'user') list = prepend(list, turns[i], vocabulary);
  sessionWordsCache.set(state, { vocabulary, turns, count: turns.length, last: turns.at(-1), list });
  return list;
}

function lastUserText(state: DialogueState): string {
  for (let i = state.turns.length - 1; i >= 0; i--)
    if (state.turns[i].role === 'user') return state.turns[i].text;
  return '';
}

function latestRecommendations(state: DialogueState): string[] {
  for (let i = state.turns.length - 1; i >= 0; i--) {
    const r = state.turns[i].recommendations;
    if (r?.length) return r.map((x) => x.id);
  }
  return [];
}

function alreadyRecorded(prefs: readonly Preference[], p: Preference): boolean {
  const latest = [...prefs].reverse().find((x) => x.target === p.target && x.value === p.value);
  return latest !== undefined && latest.kind === p.kind;
}
