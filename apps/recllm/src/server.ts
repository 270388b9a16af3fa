import { createHash, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VfmError } from '@vfmkit/core';
import {
  type DialogueManager,
  type DialogueState,
  type Item,
  type Recommendation,
  type Retriever,
  SessionError,
  type SessionStore,
  type UpsertResult,
  type UserProfile,
} from '@vfmkit/recllm';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { ZodError, type z } from 'zod';
import {
  addItemsBody,
  BODY_LIMITS,
  createSessionBody,
  feedbackBody,
  messageBody,
  sessionIdSchema,
  similarQuery,
  updateItemBody,
} from './api-schemas';
import { MediaPathError } from './errors';
import { mediaType, resolveMediaFile } from './media';
import { openApiDocument } from './openapi';
import { VideoFeatureStore } from './video-features';

/** The corpus as the server needs it: reads, plus writes for the admin routes. */
export interface AdminStore extends Retriever {
  upsert(items: readonly unknown[]): Promise<UpsertResult>;
  delete(ids: readonly string[]): Promise<number>;
}

/** Options of {@link buildServer}. */
export interface ServerOptions {
  manager: DialogueManager;
  store: AdminStore;
  sessions: SessionStore;
  /** Folder of thumbnails (`<id>.png`) and previews (`<id>.gif`). */
  mediaDir: string;
  /** Bearer token of the corpus admin routes; without one they answer 403. */
  adminToken?: string;
  /** The video features file (`video-features.db`) for `GET /api/items/:id/similar`. */
  featuresPath?: string;
  /** Fastify's request log (default off). */
  log?: boolean;
}

/** An HTTP error with a stable code, sent as `{ error: { code, message } }`. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const PUBLIC_DIR = fileURLToPath(new URL('../public/', import.meta.url));
const PAGES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
};

function parse<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const r = schema.safeParse(value);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new HttpError(400, 'INVALID_BODY', `${what}: ${i.path.join('.') || '(root)'}: ${i.message}`);
  }
  return r.data;
}

function sha(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/**
 * The HTTP API and the web page (fastify). Routes: sessions, messages (SSE or JSON), recommendations,
 * profile, feedback, corpus admin (bearer token), thumbnails, `/openapi.json`, and the page at `/`.
 * Every body is parsed by zod after fastify's size limit ({@link BODY_LIMITS}); errors are
 * `{ error: { code, message } }` with a 4xx status and change nothing.
 */
export function buildServer(options: ServerOptions): FastifyInstance {
  const { manager, store, sessions, mediaDir } = options;
  const app = Fastify({ logger: options.log ?? false, bodyLimit: BODY_LIMITS.api });
  const tokenHash = options.adminToken ? sha(options.adminToken) : undefined;

  app.setErrorHandler((error: unknown, _req, reply) => {
    const e = error as { statusCode?: number; code?: string; message?: string };
    if (error instanceof HttpError)
      return reply.status(error.status).send({ error: { code: error.code, message: error.message } });
    if (error instanceof MediaPathError)
      return reply.status(400).send({ error: { code: 'BAD_MEDIA_PATH', message: error.message } });
    if (error instanceof ZodError)
      return reply.status(400).send({ error: { code: 'INVALID_BODY', message: error.message } });
    if (error instanceof SessionError)
      return reply.status(409).send({ error: { code: error.code, message: error.message } });
    if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
      return reply
        .status(413)
        .send({ error: { code: 'BODY_TOO_LARGE', message: e.message ?? 'body too large' } });
    if (
      e.code === 'FST_ERR_CTP_INVALID_JSON_BODY' ||
      e.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ||
      (e.statusCode === 400 && error instanceof SyntaxError)
    )
      return reply
        .status(400)
        .send({ error: { code: 'MALFORMED_JSON', message: `malformed JSON body: ${e.message}` } });
    if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
      return reply.status(415).send({ error: { code: 'UNSUPPORTED_MEDIA_TYPE', message: e.message ?? '' } });
    if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500)
      return reply
        .status(e.statusCode)
        .send({ error: { code: e.code ?? 'BAD_REQUEST', message: e.message ?? '' } });
    app.log.error(error);
    const code = error instanceof VfmError ? error.code : 'INTERNAL';
    return reply.status(500).send({ error: { code, message: 'internal error' } });
  });
  app.setNotFoundHandler((req, reply) =>
    reply
      .status(404)
      .send({ error: { code: 'NOT_FOUND', message: `no route ${req.method} ${req.url.slice(0, 200)}` } }),
  );

  // Whether a media file exists, remembered for a second: a reply names 10 files, and the indexer (another
  // process) may add files at any time, so a new thumbnail shows within a second.
  const mediaSeen = new Map<string, { exists: boolean; at: number }>();
  const mediaExists = (file: string): boolean => {
    const now = Date.now();
    const seen = mediaSeen.get(file);
    if (seen && now - seen.at < 1000) return seen.exists;
    if (mediaSeen.size > 50_000) mediaSeen.clear();
    const exists = existsSync(join(mediaDir, file));
    mediaSeen.set(file, { exists, at: now });
    return exists;
  };
  const mediaUrl = (name: string | undefined): string | null =>
    name && mediaExists(basename(name)) ? `/thumbnails/${encodeURIComponent(basename(name))}` : null;
  const itemCard = (item: Item) => {
    const thumb = item.media?.thumbnailPath;
    return {
      id: item.id,
      title: item.title,
      channel: item.channel,
      durationS: item.durationS,
      tags: item.tags,
      thumbnail: mediaUrl(thumb),
      preview: mediaUrl(thumb ? thumb.replace(/\.png$/, '.gif') : `${item.id}.gif`),
    };
  };
  const recs = (list: readonly Recommendation[] | undefined) =>
    (list ?? []).flatMap((r) => {
      const item = store.get(r.id);
      return item ? [{ id: r.id, explanation: r.explanation, item: itemCard(item) }] : [];
    });
  const profileOf = (state: DialogueState): UserProfile => sessions.getProfile(state.userId) ?? state.profile;
  const sessionView = (s: DialogueState) => ({
    sessionId: s.sessionId,
    userId: s.userId,
    ended: s.ended,
    turns: s.turns.map((t) => ({
      role: t.role,
      text: t.text,
      at: t.at,
      ...(t.role === 'assistant' ? { recommendations: recs(t.recommendations) } : {}),
    })),
    profile: profileOf(s),
  });
  const session = (req: FastifyRequest): DialogueState => {
    const id = parse(sessionIdSchema, (req.params as { id: string }).id, 'session id');
    const s = manager.getSession(id);
    if (!s) throw new HttpError(404, 'UNKNOWN_SESSION', `unknown session '${id}'`);
    return s;
  };
  const live = (req: FastifyRequest): DialogueState => {
    const s = session(req);
    if (s.ended) throw new HttpError(409, 'SESSION_ENDED', `session '${s.sessionId}' has ended`);
    return s;
  };
  const requireAdmin = async (req: FastifyRequest) => {
    if (!tokenHash)
      throw new HttpError(
        403,
        'ADMIN_DISABLED',
        'corpus admin is disabled: start the server with an admin token',
      );
    const h = req.headers.authorization ?? '';
    const m = /^Bearer (.+)$/.exec(h);
    if (!m) throw new HttpError(401, 'UNAUTHORIZED', 'missing bearer token');
    if (!timingSafeEqual(sha(m[1]), tokenHash))
      throw new HttpError(401, 'UNAUTHORIZED', 'wrong bearer token');
  };

  for (const [path, page] of Object.entries(PAGES)) {
    const body = readFileSync(join(PUBLIC_DIR, page.file));
    app.get(path, (_req, reply) => reply.type(page.type).header('cache-control', 'no-cache').send(body));
  }
  app.get('/openapi.json', () => openApiDocument());
  app.get('/healthz', () => ({ ok: true, items: store.size }));

  app.post('/api/sessions', async (req, reply) => {
    const body = parse(createSessionBody, req.body, 'session');
    const state = await manager.startSession(body.userId);
    return reply.status(201).send(sessionView(state));
  });
  app.get('/api/sessions/:id', async (req) => sessionView(session(req)));
  app.get('/api/sessions/:id/profile', async (req) => profileOf(session(req)));
  app.get('/api/sessions/:id/recommendations', async (req) => {
    const s = session(req);
    const last = [...s.turns].reverse().find((t) => t.role === 'assistant' && t.recommendations?.length);
    return { recommendations: recs(last?.recommendations) };
  });
  app.post('/api/sessions/:id/feedback', async (req) => {
    const s = live(req);
    const body = parse(feedbackBody, req.body, 'feedback');
    if (!store.get(body.itemId))
      throw new HttpError(404, 'UNKNOWN_ITEM', `unknown item '${body.itemId.slice(0, 128)}'`);
    return manager.feedback(s.sessionId, body.itemId, body.kind);
  });
  app.post('/api/sessions/:id/end', async (req) => {
    const s = live(req);
    return manager.endSession(s.sessionId);
  });
  app.post('/api/sessions/:id/messages', async (req, reply: FastifyReply) => {
    const s = live(req);
    const { text } = parse(messageBody, req.body, 'message');
    const sse = (req.headers.accept ?? '').includes('text/event-stream');
    if (!sse) {
      const r = await manager.handleMessage(s.sessionId, text);
      return {
        sessionId: r.sessionId,
        text: r.text,
        action: r.action.type,
        recommendations: recs(r.recommendations),
      };
    }
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    const send = (event: string, data: unknown) =>
      res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    try {
      const r = await manager.handleMessage(s.sessionId, text, {
        onAction: (a) =>
          send('action', { type: a.type, ...(a.type === 'retrieve' ? { query: a.query } : {}) }),
      });
      send('reply', {
        sessionId: r.sessionId,
        text: r.text,
        action: r.action.type,
        recommendations: recs(r.recommendations),
      });
      send('done', {});
    } catch (e) {
      send('error', { code: e instanceof VfmError ? e.code : 'INTERNAL', message: (e as Error).message });
    }
    res.end();
  });

  app.post('/api/admin/items', { bodyLimit: BODY_LIMITS.admin, preHandler: requireAdmin }, async (req) => {
    const body = parse(addItemsBody, req.body, 'items');
    return store.upsert(body.items);
  });
  app.put('/api/admin/items/:id', { bodyLimit: BODY_LIMITS.admin, preHandler: requireAdmin }, async (req) => {
    const id = (req.params as { id: string }).id;
    const item = parse(updateItemBody, req.body, 'item');
    if (item.id !== id)
      throw new HttpError(
        400,
        'ID_MISMATCH',
        `body id '${item.id}' differs from path id '${id.slice(0, 128)}'`,
      );
    if (!store.get(id)) throw new HttpError(404, 'UNKNOWN_ITEM', `unknown item '${id.slice(0, 128)}'`);
    return store.upsert([item]);
  });
  app.delete('/api/admin/items/:id', { preHandler: requireAdmin }, async (req) => {
    const id = (req.params as { id: string }).id;
    if (!store.get(id)) throw new HttpError(404, 'UNKNOWN_ITEM', `unknown item '${id.slice(0, 128)}'`);
    return { deleted: await store.delete([id]) };
  });
  app.get('/api/items/:id', async (req) => {
    const item = store.get((req.params as { id: string }).id);
    if (!item) throw new HttpError(404, 'UNKNOWN_ITEM', 'unknown item');
    return itemCard(item);
  });

  let features: VideoFeatureStore | undefined;
  app.addHook('onClose', async () => features?.close());
  app.get('/api/items/:id/similar', async (req) => {
    const id = (req.params as { id: string }).id;
    if (!store.get(id)) throw new HttpError(404, 'UNKNOWN_ITEM', `unknown item '${id.slice(0, 128)}'`);
    const k = parse(similarQuery, req.query, 'query').k;
    if (!features && options.featuresPath) features = VideoFeatureStore.openIfExists(options.featuresPath);
    const hits = features?.similar(id, k, (other) => store.get(other) !== undefined);
    if (!hits)
      throw new HttpError(
        404,
        'NO_VIDEO_FEATURES',
        `item '${id}' has no video features (index with --encoder)`,
      );
    return {
      similar: hits.map((h) => ({ id: h.id, score: h.score, item: itemCard(store.get(h.id) as Item) })),
    };
  });

  app.get('/thumbnails/*', async (req, reply) => {
    const name = (req.params as { '*': string })['*'];
    const file = resolveMediaFile(mediaDir, name);
    if (!file) throw new HttpError(404, 'NO_SUCH_MEDIA', `no media file '${name}'`);
    return reply
      .type(mediaType(file))
      .header('cache-control', 'public, max-age=3600')
      .send(readFileSync(file));
  });
  return app;
}
