import type { Preference } from './actions';
import type { Item } from './item';
import { stem, tokenize } from './text';

/** What the rule policy knows of the corpus vocabulary: tags and channel names. */
export interface CorpusVocabulary {
  /** Tag by the stem of each of its words (`camera-orbit` is found by "orbit" and "orbiting"). */
  readonly tagsByStem: ReadonlyMap<string, readonly string[]>;
  readonly channels: readonly string[];
}

/** Builds the {@link CorpusVocabulary} of `items`. */
export function corpusVocabulary(items: Iterable<Item>): CorpusVocabulary {
  const tagsByStem = new Map<string, string[]>();
  const channels = new Set<string>();
  for (const item of items) {
    channels.add(item.channel);
    for (const tag of item.tags)
      for (const w of tag.split('-')) {
        const s = stem(w);
        const list = tagsByStem.get(s) ?? [];
        if (!list.includes(tag)) list.push(tag);
        tagsByStem.set(s, list);
      }
  }
  return { tagsByStem, channels: [...channels].sort((a, b) => b.length - a.length) };
}

/** The tags a phrase names: each word's tags, preferring a tag equal to the word itself. */
export function tagsIn(phrase: string, vocabulary: CorpusVocabulary): string[] {
  const out = new Set<string>();
  for (const w of tokenize(phrase)) {
    const tags = vocabulary.tagsByStem.get(w);
    if (!tags) continue;
    const exact = tags.find((t) => stem(t) === w);
    out.add(exact ?? tags[0]);
  }
  return [...out];
}

/** Lowercased channel names per vocabulary (computed once per vocabulary). */
const lowerChannels = new WeakMap<readonly string[], string[]>();

/** The longest channel name that occurs in `text` (case-insensitive), if any. */
export function channelIn(text: string, vocabulary: CorpusVocabulary): string | undefined {
  const lower = text.toLowerCase();
  let channels = lowerChannels.get(vocabulary.channels);
  if (!channels) {
    channels = vocabulary.channels.map((c) => c.toLowerCase());
    lowerChannels.set(vocabulary.channels, channels);
  }
  const at = channels.findIndex((c) => lower.includes(c));
  return at < 0 ? undefined : vocabulary.channels[at];
}

const CLAUSE = '([^.,!?;]+)';
const DISLIKE = [
  new RegExp(`\\b(?:i\\s+)?(?:don'?t|do not|dont)\\s+(?:like|want|enjoy)\\s+${CLAUSE}`, 'gi'),
  new RegExp(`\\b(?:i\\s+)?(?:hate|dislike)\\s+${CLAUSE}`, 'gi'),
  new RegExp(`\\bno\\s+more\\s+${CLAUSE}`, 'gi'),
  new RegExp(`\\bnot\\s+(?:from\\s+)?${CLAUSE}`, 'gi'),
];
const LIKE = [new RegExp(`\\bi\\s+(?:really\\s+)?(?:like|love|enjoy|prefer)\\s+${CLAUSE}`, 'gi')];

/**
 * The likes and dislikes a message states ("I love red spheres", "I don't like striped ones", "not
 * from Pixel Lab"), as tag and channel preferences in the corpus vocabulary. Words outside the
 * vocabulary are ignored.
 */
export function parsePreferences(text: string, vocabulary: CorpusVocabulary): Preference[] {
  const out: Preference[] = [];
  const seen = new Set<string>();
  const add = (kind: 'like' | 'dislike', clause: string) => {
    const channel = channelIn(clause, vocabulary);
    const rest = channel ? clause.replace(new RegExp(escapeRegExp(channel), 'i'), ' ') : clause;
    if (channel && !seen.has(`c:${channel}`)) {
      seen.add(`c:${channel}`);
      out.push({ kind, target: 'channel', value: channel });
    }
    for (const tag of tagsIn(rest, vocabulary))
      if (!seen.has(`t:${tag}`)) {
        seen.add(`t:${tag}`);
        out.push({ kind, target: 'tag', value: tag });
      }
  };
  for (const re of DISLIKE) for (const m of text.matchAll(re)) add('dislike', m[1]);
  const disliked = new Set(out.map((p) => p.value));
  for (const re of LIKE)
    for (const m of text.matchAll(re)) {
      // "I don't like X" also matches "I ... like X" only through "don't": skip clauses already disliked.
      if (/(?:don'?t|do not|dont)\s+$/i.test(text.slice(0, m.index ?? 0).slice(-10))) continue;
      const before = out.length;
      add('like', m[1]);
      for (let i = out.length - 1; i >= before; i--) if (disliked.has(out[i].value)) out.splice(i, 1);
    }
  return out;
}

/** Duration filters from phrases like "under 2 minutes", "less than 30 seconds", "over 10 min". */
export function parseDuration(text: string): { minDurationS?: number; maxDurationS?: number } {
  const out: { minDurationS?: number; maxDurationS?: number } = {};
  const unit = (u: string) => (/^h/i.test(u) ? 3600 : /^m/i.test(u) ? 60 : 1);
  const re =
    /\b(under|less than|shorter than|at most|over|more than|longer than|at least)\s+(\d+(?:\.\d+)?)\s*(seconds?|secs?|s|minutes?|mins?|m|hours?|h)\b/gi;
  for (const m of text.matchAll(re)) {
    const s = Number(m[2]) * unit(m[3]);
    if (/under|less|shorter|most/i.test(m[1])) out.maxDurationS = s;
    else out.minDurationS = s;
  }
  return out;
}

const ORDINALS = [
  'first',
  'second',
  'third',
  'fourth',
  'fifth',
  'sixth',
  'seventh',
  'eighth',
  'ninth',
  'tenth',
];

/**
 * The item a question refers to among the latest recommendations ("tell me about the second one",
 * "how long is #3", "what is 'Calm loop: ...' about"): by ordinal, by number, or by most shared title
 * words (at least 3). `undefined` when the message is not a question about one of them.
 */
export function referencedItem(text: string, shown: readonly Item[]): Item | undefined {
  if (shown.length === 0) return undefined;
  const lower = text.toLowerCase();
  const asks = /\?|^\s*(tell me|what|how|which|who|is |does |describe|more about)/i.test(lower);
  if (!asks) return undefined;
  for (let i = 0; i < ORDINALS.length && i < shown.length; i++)
    if (new RegExp(`\\b(the\\s+)?${ORDINALS[i]}\\b`).test(lower)) return shown[i];
  const num = /(?:#|number\s+|no\.\s*)(\d+)/.exec(lower);
  if (num) return shown[Number(num[1]) - 1];
  const words = new Set(tokenize(text));
  let best: Item | undefined;
  let bestCount = 2;
  for (const item of shown) {
    const n = tokenize(item.title).filter((w) => words.has(w)).length;
    if (n > bestCount) {
      best = item;
      bestCount = n;
    }
  }
  return best;
}

/** Whether the user signals they found what they wanted. */
export function isAcceptance(text: string): boolean {
  return /\b(that'?s (it|the one)|that is (it|the one)|found it|perfect|exactly (it|that)|i'?ll watch)\b/i.test(
    text,
  );
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
