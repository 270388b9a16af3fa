import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { LlmError } from './errors';
import { OpenAiChatClient } from './openai-client';

/**
 * A local server that speaks the chat-completions protocol. Each test sets `script`: a list of
 * handlers, one per incoming request (the last one repeats).
 */
type Handler = (req: IncomingMessage, body: Record<string, unknown>, res: ServerResponse) => void;
let script: Handler[] = [];
let requests: { body: Record<string, unknown>; headers: IncomingMessage['headers'] }[] = [];
let server: Server;
let baseUrl: string;

const ok =
  (content: string): Handler =>
  (_req, _body, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        model: 'test-model',
        choices: [{ message: { role: 'assistant', content }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 5, completion_tokens: 2 },
      }),
    );
  };
const status =
  (code: number, headers: Record<string, string> = {}): Handler =>
  (_req, _body, res) => {
    res.writeHead(code, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify({ error: { message: `status ${code} from test server` } }));
  };
const sse =
  (chunks: string[], gapMs = 5, done = true): Handler =>
  (_req, _body, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const raw =
      chunks.map((c) => `data: ${JSON.stringify({ choices: [{ delta: { content: c } }] })}\n\n`).join('') +
      (done ? 'data: [DONE]\n\n' : '');
    // Write in 7-byte pieces so events and lines are split across network chunks.
    let i = 0;
    const tick = () => {
      if (i >= raw.length) return res.end();
      res.write(raw.slice(i, i + 7));
      i += 7;
      setTimeout(tick, gapMs);
    };
    tick();
  };

beforeAll(async () => {
  server = createServer((req, res) => {
    let data = '';
    req.on('data', (c) => {
      data += c;
    });
    req.on('end', () => {
      const body = JSON.parse(data || '{}');
      requests.push({ body, headers: req.headers });
      const h = script[Math.min(requests.length - 1, script.length - 1)];
      h(req, body, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});
beforeEach(() => {
  requests = [];
  script = [];
});

const client = (extra: Partial<ConstructorParameters<typeof OpenAiChatClient>[0]> = {}) =>
  new OpenAiChatClient({
    baseUrl,
    model: 'test-model',
    apiKey: 'sk-test',
    backoffMs: 5,
    timeoutMs: 2000,
    ...extra,
  });
const messages = [{ role: 'user' as const, content: 'hello' }];

describe('OpenAiChatClient', () => {
  it('sends the protocol fields (model, messages, json_schema, auth) and reads the reply', async () => {
    script = [ok('{"type":"ask","question":"Which colour?"}')];
    const schema = { type: 'object', properties: { type: { type: 'string' } } };
    const r = await client().complete({
      messages,
      jsonSchema: { name: 'action', schema },
      temperature: 0,
      maxTokens: 64,
    });
    expect(r.content).toBe('{"type":"ask","question":"Which colour?"}');
    expect(r.finishReason).toBe('stop');
    expect(r.usage).toEqual({ promptTokens: 5, completionTokens: 2 });
    expect(requests).toHaveLength(1);
    expect(requests[0].headers.authorization).toBe('Bearer sk-test');
    expect(requests[0].body).toEqual({
      model: 'test-model',
      messages: [{ role: 'user', content: 'hello' }],
      stream: false,
      temperature: 0,
      max_tokens: 64,
      response_format: { type: 'json_schema', json_schema: { name: 'action', schema, strict: false } },
    });
  });

  it('retries 5xx and 429 (honouring Retry-After) with backoff, logging each retry', async () => {
    script = [status(500), status(429, { 'retry-after': '0' }), ok('fine')];
    const events: Record<string, unknown>[] = [];
    const r = await client({ logger: (e) => events.push(e) }).complete({ messages });
    expect(r.content).toBe('fine');
    expect(requests).toHaveLength(3);
    expect(events.map((e) => [e.event, e.attempt, e.delayMs])).toEqual([
      ['llm_retry', 1, 5],
      ['llm_retry', 2, 0],
    ]);
  });

  it('gives up after maxRetries on 5xx and does not retry other 4xx', async () => {
    script = [status(503)];
    const err = await client({ maxRetries: 2 })
      .complete({ messages })
      .catch((e) => e);
    expect(err).toBeInstanceOf(LlmError);
    expect(err.details).toMatchObject({ kind: 'http', status: 503 });
    expect(requests).toHaveLength(3);
    requests = [];
    script = [status(400)];
    const bad = await client()
      .complete({ messages })
      .catch((e) => e);
    expect(bad.details).toMatchObject({ kind: 'http', status: 400 });
    expect(bad.message).toMatch(/status 400 from test server/);
    expect(requests).toHaveLength(1);
  });

  it('times out a slow server, retries, then reports a timeout', async () => {
    script = [(_req, _b, res) => setTimeout(() => ok('late')(_req, _b, res), 400)];
    const t0 = performance.now();
    const err = await client({ timeoutMs: 80, maxRetries: 1 })
      .complete({ messages })
      .catch((e) => e);
    expect(err.details).toMatchObject({ kind: 'timeout', timeoutMs: 80 });
    expect(requests).toHaveLength(2);
    expect(performance.now() - t0).toBeLessThan(380);
  });

  it('rejects malformed JSON, missing content and oversized bodies as protocol errors', async () => {
    script = [(_r, _b, res) => res.end('{"choices": [ nope')];
    expect(
      (
        await client()
          .complete({ messages })
          .catch((e) => e)
      ).details.kind,
    ).toBe('protocol');
    script = [(_r, _b, res) => res.end('{"choices": []}')];
    expect(
      (
        await client()
          .complete({ messages })
          .catch((e) => e)
      ).message,
    ).toMatch(/no choices\[0\]\.message\.content/);
    script = [ok('x'.repeat(5000))];
    expect(
      (
        await client({ maxResponseBytes: 1000 })
          .complete({ messages })
          .catch((e) => e)
      ).message,
    ).toMatch(/exceeds 1000 bytes/);
  });

  it('streams deltas over SSE across split network chunks', async () => {
    script = [sse(['Hel', 'lo, ', 'wor', 'ld'])];
    const parts: string[] = [];
    for await (const d of client().stream({ messages })) parts.push(d);
    expect(parts).toEqual(['Hel', 'lo, ', 'wor', 'ld']);
    expect(requests[0].body.stream).toBe(true);
    expect(requests[0].headers.accept).toBe('text/event-stream');
  });

  it('fails a stream on a malformed event, a missing [DONE], an idle gap, and retries before the stream starts', async () => {
    const drain = async (c: OpenAiChatClient) => {
      const out: string[] = [];
      for await (const d of c.stream({ messages })) out.push(d);
      return out;
    };
    script = [(_r, _b, res) => res.end('data: {not json}\n\n')];
    expect((await drain(client()).catch((e) => e)).message).toMatch(/stream event is not JSON/);
    script = [sse(['a', 'b'], 1, false)];
    expect((await drain(client()).catch((e) => e)).message).toMatch(/without \[DONE\]/);
    script = [
      (_r, _b, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(`data: ${JSON.stringify({ choices: [{ delta: { content: 'x' } }] })}\n\n`);
      },
    ];
    expect((await drain(client({ timeoutMs: 100 })).catch((e) => e)).details).toMatchObject({
      kind: 'timeout',
    });
    requests = [];
    script = [status(502), sse(['ok'])];
    expect(await drain(client())).toEqual(['ok']);
    expect(requests).toHaveLength(2);
  });

  it('aborts a stream mid-way through its signal, with one listener for the whole body', async () => {
    script = [
      sse(
        Array.from({ length: 40 }, (_, i) => `c${i} `),
        2,
      ),
    ];
    const ac = new AbortController();
    const spy = vi.spyOn(ac.signal, 'addEventListener');
    const parts: string[] = [];
    const err = await (async () => {
      for await (const d of client().stream({ messages, signal: ac.signal })) {
        parts.push(d);
        if (parts.length === 20) ac.abort();
      }
    })().catch((e) => e);
    expect(err.details.kind).toBe('aborted');
    expect(parts).toHaveLength(20);
    expect(spy.mock.calls.filter((c) => c[0] === 'abort').length).toBeLessThanOrEqual(3);
  });

  it('validates its options and honours an abort signal', async () => {
    expect(() => new OpenAiChatClient({ baseUrl: 'ftp://x', model: 'm' })).toThrow(/must be http/);
    expect(() => new OpenAiChatClient({ baseUrl: 'not a url', model: 'm' })).toThrow(/not a URL/);
    expect(() => new OpenAiChatClient({ baseUrl, model: 'm', timeoutMs: -1 })).toThrow(/timeoutMs/);
    script = [(_req, _b, res) => setTimeout(() => ok('late')(_req, _b, res), 300)];
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 30);
    const err = await client()
      .complete({ messages, signal: ac.signal })
      .catch((e) => e);
    expect(err.details.kind).toBe('aborted');
  });
});
