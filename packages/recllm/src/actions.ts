import { z } from 'zod';
import { filtersSchema } from './filters';
import { itemIdSchema } from './item';
import { toResponseSchema } from './structured-output';

/** Limits on the text an action may carry (LLM output is size-limited by these). */
export const ACTION_LIMITS = {
  question: 400,
  query: 300,
  explanation: 400,
  message: 600,
  answer: 1200,
  preference: 80,
  recommendations: 10,
  preferences: 10,
} as const;

/** Ask the user a clarifying question. */
export const askActionSchema = z
  .object({ type: z.literal('ask'), question: z.string().min(1).max(ACTION_LIMITS.question) })
  .strict();

/** Retrieve candidates with a query the policy wrote from the dialogue, and optional filters. */
export const retrieveActionSchema = z
  .object({
    type: z.literal('retrieve'),
    query: z.string().min(1).max(ACTION_LIMITS.query),
    filters: filtersSchema.optional(),
  })
  .strict();

/** Recommend items (from the current candidates), one explanation each. */
export const recommendActionSchema = z
  .object({
    type: z.literal('recommend'),
    message: z.string().max(ACTION_LIMITS.message).optional(),
    items: z
      .array(
        z
          .object({ id: itemIdSchema, explanation: z.string().min(1).max(ACTION_LIMITS.explanation) })
          .strict(),
      )
      .min(1)
      .max(ACTION_LIMITS.recommendations),
  })
  .strict();

/** Answer a question about one item. */
export const answerActionSchema = z
  .object({
    type: z.literal('answer'),
    itemId: itemIdSchema,
    answer: z.string().min(1).max(ACTION_LIMITS.answer),
  })
  .strict();

/** One stated preference: a like or a dislike of a tag, a channel, an item, or free text. */
export const preferenceSchema = z
  .object({
    kind: z.enum(['like', 'dislike']),
    target: z.enum(['tag', 'channel', 'item', 'text']),
    value: z.string().min(1).max(ACTION_LIMITS.preference),
  })
  .strict();

/** Record preferences the user stated (they shape this session and, at its end, the profile). */
export const recordPreferenceActionSchema = z
  .object({
    type: z.literal('record_preference'),
    preferences: z.array(preferenceSchema).min(1).max(ACTION_LIMITS.preferences),
  })
  .strict();

/** Every dialogue action, discriminated by `type`. */
export const actionSchema = z.discriminatedUnion('type', [
  askActionSchema,
  retrieveActionSchema,
  recommendActionSchema,
  answerActionSchema,
  recordPreferenceActionSchema,
]);

export type AskAction = z.output<typeof askActionSchema>;
export type RetrieveAction = z.output<typeof retrieveActionSchema>;
export type RecommendAction = z.output<typeof recommendActionSchema>;
export type AnswerAction = z.output<typeof answerActionSchema>;
export type RecordPreferenceAction = z.output<typeof recordPreferenceActionSchema>;
export type Preference = z.output<typeof preferenceSchema>;
/** A dialogue action (validated by {@link actionSchema}). */
export type Action = z.output<typeof actionSchema>;
/** The action types. */
export type ActionType = Action['type'];

/**
 * The JSON schema of {@link actionSchema} (zod 4's `z.toJSONSchema`, draft 7, no `$schema`), for structured output. The
 * schema is an object with one property `action`, since some servers require an object at the root.
 */
export function actionJsonSchema(): Record<string, unknown> {
  return toResponseSchema(z.object({ action: actionSchema }).strict());
}
