import { itemSchema } from '@vfmkit/recllm';
import { z } from 'zod';

/** Body size limits of the API in bytes: chat and feedback requests, and admin corpus writes. */
export const BODY_LIMITS = { api: 16 * 1024, admin: 2 * 1024 * 1024 } as const;

/** Session ids: UUIDs or other short slugs. */
export const sessionIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9-]{1,64}$/, 'session ids are 1-64 of A-Z a-z 0-9 -');

export const createSessionBody = z
  .object({
    userId: z
      .string()
      .min(1)
      .max(128)
      .regex(/^[^\s<>]+$/, 'user ids have no spaces or < >'),
  })
  .strict();
export const messageBody = z.object({ text: z.string().trim().min(1).max(2000) }).strict();
export const feedbackBody = z
  .object({ itemId: z.string().min(1).max(128), kind: z.enum(['like', 'dislike']) })
  .strict();
export const addItemsBody = z.object({ items: z.array(itemSchema).min(1).max(1000) }).strict();
export const updateItemBody = itemSchema;
export const similarQuery = z.object({ k: z.coerce.number().int().min(1).max(50).default(5) }).strict();

/** One recommendation as the API returns it. */
export const recommendationOut = z.object({
  id: z.string(),
  explanation: z.string(),
  item: z.object({
    id: z.string(),
    title: z.string(),
    channel: z.string(),
    durationS: z.number(),
    tags: z.array(z.string()),
    thumbnail: z.string().nullable(),
    preview: z.string().nullable(),
  }),
});

export const profileOut = z.object({
  userId: z.string(),
  summary: z.string(),
  likes: z.array(z.string()),
  dislikes: z.array(z.string()),
  sessions: z.number(),
  updatedAt: z.string(),
});

export const turnOut = z.object({
  role: z.enum(['user', 'assistant']),
  text: z.string(),
  at: z.string(),
  recommendations: z.array(recommendationOut).optional(),
});

export const sessionOut = z.object({
  sessionId: z.string(),
  userId: z.string(),
  ended: z.boolean(),
  turns: z.array(turnOut),
  profile: profileOut,
});

export const replyOut = z.object({
  sessionId: z.string(),
  text: z.string(),
  action: z.string(),
  recommendations: z.array(recommendationOut),
});

export const errorOut = z.object({ error: z.object({ code: z.string(), message: z.string() }) });
