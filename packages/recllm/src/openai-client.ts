import { ConfigError } from '@vfmkit/core';
import { LlmError } from './errors';
import type { ChatClient, ChatRequest, ChatResponse, Logger } from './llm-client';
import { silentLogger } from './llm-client';
import { sseData } from './sse';

/** Options of {@link OpenAiChatClient}. */
export interface OpenAiChatClientOptions {
  /** Base URL ending before `/chat/completions`, e.g. `https://api.openai.com/v1`, `http://localhost:11434/v1`. */
  baseUrl: string;
  model: string;
  /** Sent as `Authorization: Bearer ...` when set. */
  apiKey?: string;
  /** Per-attempt time limit in ms (default 60,000); for streams, the longest gap between chunks. */
  timeoutMs?: number;
  /** Retries after the first attempt on 408/409/429/5xx, network errors and timeouts (default 2). */
  maxRetries?: number;
  /** First backoff in ms; doubles per retry, capped at 8 s; a `Retry-After` header wins (default 500). */
  backoffMs?: number;
  /** Largest response body accepted, in bytes (default 4 MiB). */
  maxResponseBytes?: number;
  /** Send the JSON schema with `strict: true` (default false: many servers reject strict schemas with optional fields). */
  strictSchema?: boolean;
  /** Extra headers (e.g. `OpenAI-Organization`). */
  headers?: Record<string, string>;
  logger?: Logger;
  /** The fetch to use (default `globalThis.fetch`). */
  fetch?: typeof fetch;
}

const RETRYABLE = new Set([408, 409, 429, 500, 502, 503, 504]);

/**
 * A chat-completions client for any OpenAI-compatible server (OpenAI, vLLM, Ollama, llama.cpp server,
 * LM Studio), written over `fetch`: per-attempt timeouts, retries with exponential backoff (honouring
 * `Retry-After`), streaming over SSE, and `response_format: { type: 'json_schema' }` structured output.
 * Errors are {@link LlmError}s whose `details.kind` says what happened and `details.status` gives the
 * HTTP status.
 */
export class OpenAiChatClient implements ChatClient {
  readonly name: string;
  private readonly opts: Required<Omit<OpenAiChatClientOptions, 'apiKey' | 'headers'>> &
    Pick<OpenAiChatClientOptions, 'apiKey' | 'headers'>;

  constructor(options: OpenAiChatClientOptions) {
    let url: URL;
    try {
      url = new URL(options.baseUrl);
    } catch {
      throw new ConfigError(`baseUrl is not a URL: '${options.baseUrl}'`, { key: 'baseUrl' });
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new ConfigError(`baseUrl must be http(s), got '${url.protocol}'`, { key: 'baseUrl' });
    if (!options.model) throw new ConfigError('model is required', { key: 'model' });
    for (const key of ['timeoutMs', 'maxRetries', 'backoffMs', 'maxResponseBytes'] as const) {
      const v = options[key];
      if (v !== undefined && (!Number.isFinite(v) || v < 0))
        throw new ConfigError(`${key} must be a non-negative number, got ${v}`, { key, value: v });
    }
    this.opts = {
      baseUrl: options.baseUrl.replace(/\/+$/, ''),
      model: options.model,
      apiKey: options.apiKey,
      headers: options.headers,
      timeoutMs: options.timeoutMs ?? 60_000,
      maxRetries: options.maxRetries ?? 2,
      backoffMs: options.backoffMs ?? 500,
      maxResponseBytes: options.maxResponseBytes ?? 4 << 20,
      strictSchema: options.strictSchema ?? false,
      logger: options.logger ?? silentLogger,
      fetch: options.fetch ?? globalThis.fetch,
    };
    this.name = `openai:${options.model}@${this.opts.baseUrl}`;
  }

  async complete(request: ChatRequest): Promise<ChatResponse> {
    const res = await this.send(request, false);
    const text = await this.readBody(res, request.signal);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (cause) {
      throw new LlmError(
        `${this.name}: response is not JSON`,
        { kind: 'protocol', body: text.slice(0, 200) },
        { cause },
      );
    }
    const choice = (json as { choices?: { message?: { content?: unknown }; finish_reason?: string }[] })
      .choices?.[0];
    const content = choice?.message?.content;
    if (typeof content !== 'string')
      throw new LlmError(`${this.name}: response has no choices[0].message.content string`, {
        kind: 'protocol',
        body: text.slice(0, 200),
      });
    const usage = (json as { usage?: { prompt_tokens?: number; completion_tokens?: number } }).usage;
    return {
      content,
      finishReason: choice?.finish_reason,
      model: (json as { model?: string }).model,
      usage: usage
        ? { promptTokens: usage.prompt_tokens, completionTokens: usage.completion_tokens }
        : undefined,
    };
  }

  async *stream(request: ChatRequest): AsyncGenerator<string> {
    const res = await this.send(request, true);
    if (!res.body) throw new LlmError(`${this.name}: streaming response has no body`, { kind: 'protocol' });
    const body = this.withIdleTimeout(res.body, request.signal);
    let total = 0;
    for await (const data of sseData(body, this.opts.maxResponseBytes)) {
      if (data === '[DONE]') return;
      let json: { choices?: { delta?: { content?: unknown } }[]; error?: { message?: string } };
      try {
        json = JSON.parse(data);
      } catch (cause) {
        throw new LlmError(
          `${this.name}: stream event is not JSON`,
          { kind: 'protocol', data: data.slice(0, 200) },
          {
            cause,
          },
        );
      }
      if (json.error)
        throw new LlmError(`${this.name}: stream error: ${json.error.message ?? 'unknown'}`, {
          kind: 'protocol',
        });
      const delta = json.choices?.[0]?.delta?.content;
      if (typeof delta === 'string' && delta.length > 0) {
        total += delta.length;
        if (total > this.opts.maxResponseBytes)
          throw new LlmError(`${this.name}: streamed content exceeds ${this.opts.maxResponseBytes} bytes`, {
            kind: 'protocol',
          });
        yield delta;
      }
    }
    throw new LlmError(`${this.name}: stream ended without [DONE]`, { kind: 'protocol' });
  }

  /** POSTs the request with retries; returns the first 2xx response (body unread). */
  private async send(request: ChatRequest, stream: boolean): Promise<Response> {
    const body: Record<string, unknown> = {
      model: this.opts.model,
      messages: request.messages.map((m) => ({ role: m.role, content: m.content })),
      stream,
    };
    if (request.temperature !== undefined) body.temperature = request.temperature;
    if (request.maxTokens !== undefined) body.max_tokens = request.maxTokens;
    if (request.jsonSchema)
      body.response_format = {
        type: 'json_schema',
        json_schema: {
          name: request.jsonSchema.name,
          schema: request.jsonSchema.schema,
          strict: this.opts.strictSchema,
        },
      };
    const payload = JSON.stringify(body);
    const headers: Record<string, string> = { 'content-type': 'application/json', ...this.opts.headers };
    if (stream) headers.accept = 'text/event-stream';
    if (this.opts.apiKey) headers.authorization = `Bearer ${this.opts.apiKey}`;
    for (let attempt = 0; ; attempt++) {
      if (request.signal?.aborted) throw new LlmError(`${this.name}: aborted`, { kind: 'aborted' });
      // The time limit covers the wait for headers; bodies are then read under an idle timeout.
      const timeout = new AbortController();
      const timer = setTimeout(() => timeout.abort(), this.opts.timeoutMs);
      const signal = request.signal ? AbortSignal.any([request.signal, timeout.signal]) : timeout.signal;
      let res: Response | undefined;
      let error: LlmError;
      try {
        res = await this.opts.fetch(`${this.opts.baseUrl}/chat/completions`, {
          method: 'POST',
          headers,
          body: payload,
          signal,
        });
      } catch (cause) {
        if (request.signal?.aborted)
          throw new LlmError(`${this.name}: aborted`, { kind: 'aborted' }, { cause });
        error = timeout.signal.aborted
          ? new LlmError(`${this.name}: no response within ${this.opts.timeoutMs} ms`, {
              kind: 'timeout',
              timeoutMs: this.opts.timeoutMs,
              attempt,
            })
          : new LlmError(
              `${this.name}: network error: ${(cause as Error).message}`,
              { kind: 'network', attempt },
              { cause },
            );
      }
      clearTimeout(timer);
      if (res?.ok) return res;
      let retryAfterMs: number | undefined;
      if (res) {
        const text = await res.text().catch(() => '');
        let message = text.slice(0, 300);
        try {
          message = (JSON.parse(text) as { error?: { message?: string } }).error?.message ?? message;
        } catch {}
        error = new LlmError(`${this.name}: HTTP ${res.status}: ${message}`, {
          kind: 'http',
          status: res.status,
          attempt,
        });
        if (!RETRYABLE.has(res.status)) throw error;
        const header = res.headers.get('retry-after');
        const ra = header === null ? Number.NaN : Number(header);
        if (Number.isFinite(ra) && ra >= 0) retryAfterMs = Math.min(ra * 1000, 60_000);
      }
      const err = error!;
      if (attempt >= this.opts.maxRetries) throw err;
      const delay = retryAfterMs ?? Math.min(this.opts.backoffMs * 2 ** attempt, 8000);
      this.opts.logger({
        event: 'llm_retry',
        client: this.name,
        attempt: attempt + 1,
        delayMs: delay,
        reason: err.message,
      });
      await sleep(delay, request.signal);
    }
  }

  private async readBody(res: Response, signal?: AbortSignal): Promise<string> {
    const declared = Number(res.headers.get('content-length'));
    if (Number.isFinite(declared) && declared > this.opts.maxResponseBytes)
      throw new LlmError(
        `${this.name}: response of ${declared} bytes exceeds ${this.opts.maxResponseBytes}`,
        {
          kind: 'protocol',
        },
      );
    if (!res.body) return '';
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of this.withIdleTimeout(res.body, signal)) {
      size += chunk.byteLength;
      if (size > this.opts.maxResponseBytes)
        throw new LlmError(`${this.name}: response exceeds ${this.opts.maxResponseBytes} bytes`, {
          kind: 'protocol',
        });
      chunks.push(chunk);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  /** Reads a body, failing with a timeout LlmError when no chunk arrives within `timeoutMs`. */
  private async *withIdleTimeout(
    body: ReadableStream<Uint8Array>,
    signal?: AbortSignal,
  ): AsyncGenerator<Uint8Array> {
    const reader = body.getReader();
    // One abort listener for the whole body (not one per chunk), removed at the end.
    let onAbort: (() => void) | undefined;
    const aborted = signal
      ? new Promise<never>((_, reject) => {
          onAbort = () => reject(new LlmError(`${this.name}: aborted`, { kind: 'aborted' }));
          if (signal.aborted) onAbort();
          else signal.addEventListener('abort', onAbort, { once: true });
        })
      : undefined;
    aborted?.catch(() => {});
    try {
      for (;;) {
        if (signal?.aborted) throw new LlmError(`${this.name}: aborted`, { kind: 'aborted' });
        let timer: NodeJS.Timeout | undefined;
        const timedOut = new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new LlmError(`${this.name}: no data for ${this.opts.timeoutMs} ms`, {
                  kind: 'timeout',
                  timeoutMs: this.opts.timeoutMs,
                }),
              ),
            this.opts.timeoutMs,
          );
        });
        try {
          const r = await Promise.race(
            aborted ? [reader.read(), timedOut, aborted] : [reader.read(), timedOut],
          );
          if (r.done) return;
          yield r.value;
        } finally {
          clearTimeout(timer);
        }
      }
    } finally {
      if (signal && onAbort) signal.removeEventListener('abort', onAbort);
      reader.cancel().catch(() => {});
    }
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        reject(new LlmError('aborted during backoff', { kind: 'aborted' }));
      },
      { once: true },
    );
  });
}
