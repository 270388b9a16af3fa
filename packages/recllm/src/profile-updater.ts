import { z } from 'zod';
import type { DialogueState } from './dialogue-state';
import type { ChatClient, Logger } from './llm-client';
import { silentLogger } from './llm-client';
import { PROFILE_LIMITS, type UserProfile, updateProfileByRules } from './profile';
import { structuredCall } from './structured-output';
import { dataBlock, newNonce, sanitizeUntrusted, untrustedDataRule } from './untrusted';

/** Updates a profile at session end from what the session showed. */
export interface ProfileUpdater {
  readonly name: string;
  update(profile: UserProfile, state: DialogueState): Promise<UserProfile>;
}

/** The rule updater: folds the session's recorded preferences in (see `updateProfileByRules`). */
export class RuleProfileUpdater implements ProfileUpdater {
  readonly name = 'rule';
  async update(profile: UserProfile, state: DialogueState): Promise<UserProfile> {
    return updateProfileByRules(profile, state.preferences);
  }
}

const llmProfileSchema = z
  .object({
    summary: z.string().max(PROFILE_LIMITS.summary),
    likes: z.array(z.string().min(1).max(PROFILE_LIMITS.entry)).max(PROFILE_LIMITS.entries),
    dislikes: z.array(z.string().min(1).max(PROFILE_LIMITS.entry)).max(PROFILE_LIMITS.entries),
  })
  .strict();

/**
 * The LLM updater: the model rewrites the summary and lists from the old profile, the session's
 * recorded preferences and the conversation (all as data blocks). Validated, one repair attempt, then
 * the rule update (logged as `profile_fallback`).
 */
export class LlmProfileUpdater implements ProfileUpdater {
  readonly name: string;
  constructor(
    private readonly client: ChatClient,
    private readonly logger: Logger = silentLogger,
  ) {
    this.name = `llm:${client.name}`;
  }

  async update(profile: UserProfile, state: DialogueState): Promise<UserProfile> {
    const nonce = newNonce();
    try {
      const out = await structuredCall(
        this.client,
        [
          {
            role: 'system',
            content: [
              'You maintain a short natural-language profile of a video recommender user.',
              'Update it from the old profile and this session: keep lasting tastes, drop contradicted ones.',
              untrustedDataRule(nonce),
              'Reply with one JSON object {"summary", "likes", "dislikes"}.',
            ].join('\n'),
          },
          {
            role: 'user',
            content: [
              dataBlock(
                'profile',
                { summary: profile.summary, likes: profile.likes, dislikes: profile.dislikes },
                nonce,
              ),
              dataBlock('session_preferences', state.preferences, nonce),
              dataBlock(
                'conversation',
                state.turns.slice(-12).map((t) => ({ role: t.role, text: sanitizeUntrusted(t.text, 400) })),
                nonce,
              ),
            ].join('\n'),
          },
        ],
        llmProfileSchema,
        { name: 'profile', logger: this.logger, temperature: 0 },
      );
      return { ...profile, ...out, sessions: profile.sessions + 1, updatedAt: new Date().toISOString() };
    } catch (e) {
      this.logger({ event: 'profile_fallback', updater: this.name, reason: (e as Error).message });
      return updateProfileByRules(profile, state.preferences);
    }
  }
}
