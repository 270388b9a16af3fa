/** One chat message. `content` is plain text. */
export interface ChatMessage {
  readonly role: 'system' | 'user' | 'assistant';
  readonly content: string;
}

/** A chat request. With `jsonSchema`, the model is asked for one JSON object matching it. */
export interface ChatRequest {
  readonly messages: readonly ChatMessage[];
  /** A JSON schema for structured output (OpenAI `response_format: json_schema`; a grammar locally). */
  readonly jsonSchema?: { readonly name: string; readonly schema: Record<string, unknown> };
  readonly temperature?: number;
  /** Most tokens to generate. */
  readonly maxTokens?: number;
  /** Aborts the request (and any retries). */
  readonly signal?: AbortSignal;
}

/** A completed chat response. */
export interface ChatResponse {
  readonly content: string;
  readonly finishReason?: string;
  readonly model?: string;
  readonly usage?: { readonly promptTokens?: number; readonly completionTokens?: number };
}

/**
 * A chat-completions client. Policies, rankers, profile updaters and the LLM user simulator all take
 * one, so any backend (an OpenAI-compatible server, a local GGUF model) plugs in the same way.
 */
export interface ChatClient {
  /** A short name for logs (e.g. `openai:gpt-4o-mini@https://api.openai.com/v1`). */
  readonly name: string;
  complete(request: ChatRequest): Promise<ChatResponse>;
  /** The response as text deltas, in order. */
  stream(request: ChatRequest): AsyncIterable<string>;
}

/** A structured log sink: one event object per call (fallbacks, retries, flagged explanations). */
export type Logger = (event: { readonly event: string; readonly [key: string]: unknown }) => void;

/** A {@link Logger} that drops everything. */
export const silentLogger: Logger = () => {};
