import type { Candidate, DialogueState } from './dialogue-state';
import { itemTerms } from './internal/item-terms';
import type { Item } from './item';
import type { SearchHit } from './retrieval';
import { tokenize } from './text';

/** What a ranker sees: the retrieval query, the retrieved hits (best first) and the session. */
export interface RankInput {
  readonly query: string;
  readonly hits: readonly SearchHit[];
  readonly state: DialogueState;
}

/** Scores candidates against the conversation and the profile and explains each one. */
export interface Ranker {
  readonly name: string;
  /** Candidates best first, one per hit, each with a score and a one-sentence explanation. */
  rank(input: RankInput): Promise<Candidate[]>;
}

/** Weights of {@link RuleRanker}. */
export interface RuleRankerWeights {
  /** Weight of the retrieval position, `10 / (10 + rank)` (default 1). */
  retrieval?: number;
  /** Weight of the fraction of query terms found in the item's tags or title (default 0.5). */
  termMatch?: number;
  /** Added per liked tag, channel or item of the profile and session present in the item (default 0.2, at most 2 counted). */
  like?: number;
  /** Subtracted per disliked tag, channel or item present (default 1). */
  dislike?: number;
}

/**
 * The rule ranker (the fallback and baseline): score = retrieval position + query-term coverage of the
 * item's tags and title + profile likes - dislikes. The explanation names only the item's own tags,
 * channel and duration, so it is grounded by construction. Corpus text is never read as instructions:
 * it only contributes word matches.
 */
export class RuleRanker implements Ranker {
  readonly name = 'rule';
  private readonly w: Required<RuleRankerWeights>;

  constructor(weights: RuleRankerWeights = {}) {
    this.w = { retrieval: 1, termMatch: 0.5, like: 0.2, dislike: 1, ...weights };
  }

  async rank(input: RankInput): Promise<Candidate[]> {
    return this.rankSync(input);
  }

  /** {@link rank}, synchronously. */
  rankSync(input: RankInput): Candidate[] {
    const queryTerms = [...new Set(tokenize(input.query))];
    const { likes, dislikes } = stated(input.state);
    const scored = input.hits.map((hit) => {
      const item = hit.item;
      const { tagTerms, titleTerms } = itemTerms(item);
      const matchedTags = new Set<string>();
      let covered = 0;
      for (const q of queryTerms) {
        const tag = tagTerms.get(q);
        if (tag) matchedTags.add(tag);
        if (tag || titleTerms.has(q)) covered++;
      }
      const liked = likes.filter((p) => matchesPhrase(item, p));
      const disliked = dislikes.filter((p) => matchesPhrase(item, p));
      const score =
        this.w.retrieval * (10 / (10 + hit.rank)) +
        this.w.termMatch * (queryTerms.length ? covered / queryTerms.length : 0) +
        this.w.like * Math.min(liked.length, 2) -
        this.w.dislike * disliked.length;
      return { hit, score, matchedTags: [...matchedTags], liked };
    });
    scored.sort((a, b) => b.score - a.score || a.hit.rank - b.hit.rank);
    return scored.map((s) => ({
      id: s.hit.id,
      item: s.hit.item,
      retrievalRank: s.hit.rank,
      score: s.score,
      explanation: ruleExplanation(s.hit.item, s.matchedTags, s.liked),
    }));
  }
}

/** Likes and dislikes from the profile and from this session (the session's latest statements win). */
export function stated(state: DialogueState): { likes: string[]; dislikes: string[] } {
  const likes = new Set(state.profile.likes);
  const dislikes = new Set(state.profile.dislikes);
  for (const p of state.preferences) {
    const phrase =
      p.target === 'channel'
        ? `channel:${p.value}`
        : p.target === 'item'
          ? `item:${p.value}`
          : p.value.toLowerCase();
    (p.kind === 'like' ? dislikes : likes).delete(phrase);
    (p.kind === 'like' ? likes : dislikes).add(phrase);
  }
  return { likes: [...likes], dislikes: [...dislikes] };
}

/** Whether a profile phrase (`tag`, `channel:Name`, `item:id`, or free text) applies to an item. */
export function matchesPhrase(item: Item, phrase: string): boolean {
  if (phrase.startsWith('channel:')) return item.channel.toLowerCase() === phrase.slice(8).toLowerCase();
  if (phrase.startsWith('item:')) return item.id === phrase.slice(5);
  if (item.tags.includes(phrase)) return true;
  const words = tokenize(phrase);
  if (words.length === 0) return false;
  const own = itemTerms(item).titleAndTags;
  return words.every((w) => own.has(w));
}

/** A grounded one-sentence explanation from an item's own facts. */
export function ruleExplanation(
  item: Item,
  matchedTags: readonly string[],
  liked: readonly string[] = [],
): string {
  const mins =
    item.durationS < 60 ? `${Math.round(item.durationS)} s` : `${Math.round(item.durationS / 60)} min`;
  const parts: string[] = [];
  if (matchedTags.length > 0) parts.push(`Matches ${listPhrase(matchedTags.slice(0, 5))}`);
  else parts.push(`"${item.title}"`);
  const likedFacts = liked.filter((l) => l.startsWith('channel:') || item.tags.includes(l));
  if (likedFacts.length > 0)
    parts.push(
      `which you like (${listPhrase(likedFacts.map((l) => (l.startsWith('channel:') ? l.slice(8) : l)))})`,
    );
  return `${parts.join(', ')}; a ${mins} video from ${item.channel}.`;
}

function listPhrase(xs: readonly string[]): string {
  return xs.length <= 1 ? (xs[0] ?? '') : `${xs.slice(0, -1).join(', ')} and ${xs[xs.length - 1]}`;
}
