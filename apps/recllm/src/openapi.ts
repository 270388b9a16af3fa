import { z } from 'zod';
import {
  addItemsBody,
  BODY_LIMITS,
  createSessionBody,
  errorOut,
  feedbackBody,
  messageBody,
  profileOut,
  recommendationOut,
  replyOut,
  sessionOut,
  updateItemBody,
} from './api-schemas';

const json = (schema: z.ZodType) => ({
  'application/json': { schema: z.toJSONSchema(schema, { io: 'input' }) },
});
const out = (schema: z.ZodType) => ({ 'application/json': { schema: z.toJSONSchema(schema) } });
const errors = (...codes: number[]) =>
  Object.fromEntries(codes.map((c) => [String(c), { description: `error ${c}`, content: out(errorOut) }]));
const sessionParam = [
  { name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^[A-Za-z0-9-]{1,64}$' } },
];
const itemParam = [
  { name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^[A-Za-z0-9._:-]{1,128}$' } },
];
const admin = [{ bearer: [] }];

/** The OpenAPI 3.1 document of the API (served at `/openapi.json`), built from the zod schemas the routes validate with. */
export function openApiDocument(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'vfm-recllm',
      version: '0.1.0',
      description: `Conversational video recommendations. Request bodies are limited to ${BODY_LIMITS.api} bytes (admin: ${BODY_LIMITS.admin}).`,
    },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    paths: {
      '/api/sessions': {
        post: {
          summary: 'Start a session (reads the user profile)',
          requestBody: { required: true, content: json(createSessionBody) },
          responses: { '201': { description: 'the session', content: out(sessionOut) }, ...errors(400, 413) },
        },
      },
      '/api/sessions/{id}': {
        get: {
          summary: 'A session: its turns (with recommendations) and profile',
          parameters: sessionParam,
          responses: { '200': { description: 'the session', content: out(sessionOut) }, ...errors(400, 404) },
        },
      },
      '/api/sessions/{id}/messages': {
        post: {
          summary:
            'Send a message. With `Accept: text/event-stream` the reply streams as SSE: `action` events, then `reply`, then `done`.',
          parameters: sessionParam,
          requestBody: { required: true, content: json(messageBody) },
          responses: {
            '200': {
              description: 'the reply',
              content: { ...out(replyOut), 'text/event-stream': { schema: { type: 'string' } } },
            },
            ...errors(400, 404, 409, 413),
          },
        },
      },
      '/api/sessions/{id}/recommendations': {
        get: {
          summary: 'The latest recommendations of a session',
          parameters: sessionParam,
          responses: {
            '200': {
              description: 'recommendations',
              content: out(z.object({ recommendations: z.array(recommendationOut) })),
            },
            ...errors(400, 404),
          },
        },
      },
      '/api/sessions/{id}/profile': {
        get: {
          summary: "The session user's natural-language profile",
          parameters: sessionParam,
          responses: { '200': { description: 'profile', content: out(profileOut) }, ...errors(400, 404) },
        },
      },
      '/api/sessions/{id}/feedback': {
        post: {
          summary: 'Like or dislike an item: updates the profile at once',
          parameters: sessionParam,
          requestBody: { required: true, content: json(feedbackBody) },
          responses: {
            '200': { description: 'the updated profile', content: out(profileOut) },
            ...errors(400, 404, 409, 413),
          },
        },
      },
      '/api/sessions/{id}/end': {
        post: {
          summary: 'End a session: folds it into the user profile (read by the next session)',
          parameters: sessionParam,
          responses: {
            '200': { description: 'the updated profile', content: out(profileOut) },
            ...errors(400, 404, 409),
          },
        },
      },
      '/api/admin/items': {
        post: {
          summary: 'Add or update items (idempotent by id + content hash)',
          security: admin,
          requestBody: { required: true, content: json(addItemsBody) },
          responses: {
            '200': {
              description: 'what was written',
              content: out(
                z.object({
                  inserted: z.array(z.string()),
                  updated: z.array(z.string()),
                  unchanged: z.array(z.string()),
                }),
              ),
            },
            ...errors(400, 401, 403, 413),
          },
        },
      },
      '/api/admin/items/{id}': {
        put: {
          summary: 'Replace an existing item',
          security: admin,
          parameters: itemParam,
          requestBody: { required: true, content: json(updateItemBody) },
          responses: { '200': { description: 'updated' }, ...errors(400, 401, 403, 404, 413) },
        },
        delete: {
          summary: 'Delete an item',
          security: admin,
          parameters: itemParam,
          responses: { '200': { description: 'deleted' }, ...errors(400, 401, 403, 404) },
        },
      },
      '/api/items/{id}/similar': {
        get: {
          summary: 'Items whose video features (index --encoder) are closest to this one (cosine)',
          parameters: [
            ...itemParam,
            {
              name: 'k',
              in: 'query',
              required: false,
              schema: { type: 'integer', minimum: 1, maximum: 50, default: 5 },
            },
          ],
          responses: { '200': { description: 'similar items with scores' }, ...errors(400, 404) },
        },
      },
      '/thumbnails/{name}': {
        get: {
          summary: 'A thumbnail (PNG) or preview (GIF) from the media folder',
          parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { '200': { description: 'the image' }, ...errors(400, 404) },
        },
      },
    },
  };
}
