import { z } from 'zod';
import { ACTION_LIMITS } from './actions';
import type { Candidate } from './dialogue-state';
import { checkExplanation, type FactVocabulary } from './explanation-check';
import type { ChatClient, ChatMessage, Logger } from './llm-client';
import { silentLogger } from './llm-client';
import { type Ranker, type RankInput, RuleRanker, stated } from './ranker';
import { structuredCall } from './structured-output';
import { dataBlock, newNonce, sanitizeUntrusted, untrustedDataRule } from './untrusted';

/** The LLM ranker's output: a score in [0, 1] and one explanation per candidate id. */
export const rankingSchema = z
  .object({
    ranking: z
      .array(
        z
          .object({
            id: z.string().min(1).max(128),
            score: z.number().min(0).max(1),
            explanation: z.string().min(1).max(ACTION_LIMITS.explanation),
          })
          .strict(),
      )
      .min(1)
      .max(100),
  })
  .strict();

/** Options of {@link LlmRanker}. */
export interface LlmRankerOptions {
  client: ChatClient;
  /** The corpus fact vocabulary for the explanation check (see `factVocabulary`). */
  vocabulary: FactVocabulary;
  /** Candidates sent to the model (default 20); the rest keep their rule order after them. */
  maxCandidates?: number;
  /** Characters of each description in the prompt (default 400). */
  descriptionChars?: number;
  logger?: Logger;
  /** The fallback (default a {@link RuleRanker}). */
  fallback?: RuleRanker;
  /** Fixed data-block nonce (tests); random per prompt by default. */
  nonce?: () => string;
}

/**
 * The LLM ranker: the model scores the candidates against the conversation and the profile and writes
 * one explanation per item from that item's metadata. Output is validated (schema, ids must be the
 * candidates, no duplicates, size limits) with one repair attempt; each explanation is checked with
 * `checkExplanation`, and one naming a fact absent from its item is flagged (logged) and replaced by
 * the rule explanation. Any failure falls back to the rule ranker for that call (logged).
 */
export class LlmRanker implements Ranker {
  readonly name: string;
  private readonly fallback: RuleRanker;
  private readonly logger: Logger;

  constructor(private readonly options: LlmRankerOptions) {
    this.name = `llm:${options.client.name}`;
    this.fallback = options.fallback ?? new RuleRanker();
    this.logger = options.logger ?? silentLogger;
  }

  async rank(input: RankInput): Promise<Candidate[]> {
    const rule = this.fallback.rankSync(input);
    const top = rule.slice(0, this.options.maxCandidates ?? 20);
    if (top.length === 0) return rule;
    const ids = new Set(top.map((c) => c.id));
    try {
      const out = await structuredCall(this.options.client, this.prompt(input, top), rankingSchema, {
        name: 'ranking',
        logger: this.logger,
        temperature: 0,
        check: (v) => {
          const seen = new Set<string>();
          for (const r of v.ranking) {
            if (!ids.has(r.id)) return `id '${r.id}' is not one of the candidates`;
            if (seen.has(r.id)) return `id '${r.id}' appears twice`;
            seen.add(r.id);
          }
          return undefined;
        },
      });
      const byId = new Map(top.map((c) => [c.id, c]));
      const ranked: Candidate[] = [...out.ranking]
        .sort((a, b) => b.score - a.score)
        .map((r) => {
          const base = byId.get(r.id) as Candidate;
          const verdict = checkExplanation(r.explanation, base.item, this.options.vocabulary);
          if (!verdict.grounded)
            this.logger({
              event: 'explanation_flagged',
              id: r.id,
              unsupported: verdict.unsupported,
              explanation: r.explanation,
            });
          return {
            ...base,
            score: r.score,
            explanation: verdict.grounded ? r.explanation : base.explanation,
          };
        });
      const placed = new Set(ranked.map((c) => c.id));
      return [...ranked, ...rule.filter((c) => !placed.has(c.id))];
    } catch (e) {
      this.logger({ event: 'ranker_fallback', ranker: this.name, reason: (e as Error).message });
      return rule;
    }
  }

  /** The ranking prompt: rules in the system message, every untrusted text in data blocks. */
  prompt(input: RankInput, candidates: readonly Candidate[]): ChatMessage[] {
    const nonce = (this.options.nonce ?? newNonce)();
    const chars = this.options.descriptionChars ?? 400;
    const { likes, dislikes } = stated(input.state);
    const system = [
      'You rank candidate videos for a user of a video recommender.',
      'Score each candidate in [0, 1] for how well it matches the conversation and the user profile, and write one short explanation per item.',
      "An explanation may only state facts found in that item's own title, description, tags, channel or duration.",
      untrustedDataRule(nonce),
      'Reply with one JSON object {"ranking": [{"id", "score", "explanation"}]} covering every candidate id exactly once.',
    ].join('\n');
    const user = [
      'Conversation (most recent last):',
      dataBlock(
        'conversation',
        input.state.turns.slice(-8).map((t) => ({ role: t.role, text: sanitizeUntrusted(t.text, 500) })),
        nonce,
      ),
      `Retrieval query: ${JSON.stringify(sanitizeUntrusted(input.query, 300))}`,
      'User profile:',
      dataBlock(
        'profile',
        {
          summary: sanitizeUntrusted(input.state.profile.summary, 800),
          likes: likes.slice(0, 20).map((x) => sanitizeUntrusted(x, 80)),
          dislikes: dislikes.slice(0, 20).map((x) => sanitizeUntrusted(x, 80)),
        },
        nonce,
      ),
      'Candidates:',
      dataBlock(
        'candidates',
        candidates.map((c) => ({
          id: c.id,
          title: sanitizeUntrusted(c.item.title, 200),
          channel: sanitizeUntrusted(c.item.channel, 120),
          durationS: c.item.durationS,
          tags: c.item.tags,
          description: sanitizeUntrusted(c.item.description, chars),
        })),
        nonce,
      ),
    ].join('\n');
    return [
      { role: 'system', content: system },
      { role: 'user', content: user },
    ];
  }
}
