import { z } from 'zod';
import { type Action, actionSchema } from './actions';
import type { ChatClient, ChatMessage, Logger } from './llm-client';
import { silentLogger } from './llm-client';
import type { Policy, PolicyContext } from './policy';
import { stated } from './ranker';
import { RulePolicy } from './rule-policy';
import { structuredCall } from './structured-output';
import { dataBlock, newNonce, sanitizeUntrusted, untrustedDataRule } from './untrusted';

/** The LLM policy's output: `{ "action": <one action> }`. */
export const policyOutputSchema = z.object({ action: actionSchema }).strict();

/** Options of {@link LlmPolicy}. */
export interface LlmPolicyOptions {
  client: ChatClient;
  /** The per-turn fallback (default a {@link RulePolicy}). */
  fallback?: RulePolicy;
  logger?: Logger;
  /** Candidates shown to the model (default 10). */
  maxCandidates?: number;
  /** Fixed data-block nonce (tests); random per prompt by default. */
  nonce?: () => string;
}

/**
 * The LLM dialogue policy: the model reads the conversation, the profile and the ranked candidates
 * and returns one action as structured output (the JSON schema of the zod action union). Output is
 * validated (schema, size limits, recommended ids must be candidates, answered ids must be known),
 * gets one repair attempt, and otherwise the rule policy decides that turn; every fallback is logged
 * (`policy_fallback`). The LLM writes the retrieval queries.
 */
export class LlmPolicy implements Policy {
  readonly name: string;
  private readonly fallback: RulePolicy;
  private readonly logger: Logger;

  constructor(private readonly options: LlmPolicyOptions) {
    this.name = `llm:${options.client.name}`;
    this.fallback = options.fallback ?? new RulePolicy();
    this.logger = options.logger ?? silentLogger;
  }

  async decide(ctx: PolicyContext): Promise<Action> {
    const candidates = new Set(ctx.state.candidates.map((c) => c.id));
    const retrieved = ctx.turnActions.some((a) => a.type === 'retrieve');
    try {
      const out = await structuredCall(this.options.client, this.prompt(ctx), policyOutputSchema, {
        name: 'dialogue_action',
        logger: this.logger,
        temperature: 0,
        check: ({ action }) => {
          if (action.type === 'recommend') {
            const bad = action.items.find((i) => !candidates.has(i.id));
            if (bad) return `recommended id '${bad.id}' is not one of the candidates`;
          }
          if (action.type === 'answer' && !candidates.has(action.itemId) && !ctx.lookup(action.itemId))
            return `answer is about unknown item '${action.itemId}'`;
          if (action.type === 'retrieve' && retrieved)
            return 'already retrieved this turn: recommend, ask or answer now';
          return undefined;
        },
      });
      return out.action;
    } catch (e) {
      this.logger({ event: 'policy_fallback', policy: this.name, reason: (e as Error).message });
      return this.fallback.decideSync(ctx);
    }
  }

  /** The policy prompt: rules and schema in the system message, untrusted text in data blocks. */
  prompt(ctx: PolicyContext): ChatMessage[] {
    const nonce = (this.options.nonce ?? newNonce)();
    const { likes, dislikes } = stated(ctx.state);
    const system = [
      'You are the dialogue manager of a conversational video recommender.',
      'Each step, choose exactly one action:',
      '- "ask": ask one clarifying question when the request is too vague;',
      '- "retrieve": search the corpus with a short keyword query you write from the whole conversation, plus optional filters (tags to require or exclude, channel, durations, ids to exclude);',
      '- "recommend": recommend up to ' +
        ctx.k +
        ' of the current candidates by id, each with a one-sentence explanation that uses only facts of that item;',
      '- "answer": answer a question about one item;',
      '- "record_preference": record likes or dislikes the user just stated.',
      'After "retrieve" you see new candidates; a turn ends with "ask", "recommend" or "answer".',
      untrustedDataRule(nonce),
      'Reply with one JSON object {"action": {...}} matching the schema.',
    ].join('\n');
    const user = [
      'Conversation (most recent last):',
      dataBlock(
        'conversation',
        ctx.state.turns.slice(-10).map((t) => ({ role: t.role, text: sanitizeUntrusted(t.text, 600) })),
        nonce,
      ),
      'User profile:',
      dataBlock(
        'profile',
        {
          summary: sanitizeUntrusted(ctx.state.profile.summary, 800),
          likes: likes.slice(0, 20).map((x) => sanitizeUntrusted(x, 80)),
          dislikes: dislikes.slice(0, 20).map((x) => sanitizeUntrusted(x, 80)),
        },
        nonce,
      ),
      `Already shown this session: ${JSON.stringify(ctx.state.shown.slice(-30))}`,
      `Actions taken this turn: ${JSON.stringify(ctx.turnActions.map((a) => a.type))}`,
      'Current candidates (best first):',
      dataBlock(
        'candidates',
        ctx.state.candidates.slice(0, this.options.maxCandidates ?? 10).map((c) => ({
          id: c.id,
          title: sanitizeUntrusted(c.item.title, 200),
          channel: sanitizeUntrusted(c.item.channel, 120),
          durationS: c.item.durationS,
          tags: c.item.tags,
          description: sanitizeUntrusted(c.item.description, 300),
          rankerNote: sanitizeUntrusted(c.explanation, 300),
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
