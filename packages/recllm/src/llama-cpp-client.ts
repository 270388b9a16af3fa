import { basename } from 'node:path';
import { ConfigError } from '@vfmkit/core';
import { LlmError } from './errors';
import type { ChatClient, ChatMessage, ChatRequest, ChatResponse } from './llm-client';

/** Options of {@link LlamaCppChatClient}. */
export interface LlamaCppChatClientOptions {
  /** A local GGUF model file. */
  modelPath: string;
  /** Context size in tokens (default 2048). */
  contextSize?: number;
  /** CPU threads (default: node-llama-cpp's choice). Use 1 on a loaded machine: llama.cpp threads spin. */
  threads?: number;
  /** `false` (CPU, the default) or a backend node-llama-cpp knows (`auto`, `cuda`, `vulkan`, `metal`). */
  gpu?: false | 'auto' | 'cuda' | 'vulkan' | 'metal';
  /** Default generation limit (default 512 tokens). */
  maxTokens?: number;
  /** Sampling seed (default 0). */
  seed?: number;
}

type NodeLlamaCpp = typeof import('node-llama-cpp');
type Loaded = {
  lib: NodeLlamaCpp;
  llama: Awaited<ReturnType<NodeLlamaCpp['getLlama']>>;
  model: Awaited<ReturnType<Awaited<ReturnType<NodeLlamaCpp['getLlama']>>['loadModel']>>;
  context: Awaited<
    ReturnType<
      Awaited<ReturnType<Awaited<ReturnType<NodeLlamaCpp['getLlama']>>['loadModel']>>['createContext']
    >
  >;
};

/**
 * A chat client for local GGUF models through node-llama-cpp (an optional peer dependency, imported
 * on first use, so recllm loads without it). With `jsonSchema`, decoding is constrained by a grammar
 * made from the schema (node-llama-cpp's JSON-schema grammar), so the output is JSON of that shape.
 * That grammar makes every listed property required and knows `oneOf` rather than `anyOf`: the client
 * converts `anyOf` to `oneOf` and drops optional properties from the grammar (the model never writes
 * them; zod still validates what it does write). Calls run one at a time on one context sequence.
 */
export class LlamaCppChatClient implements ChatClient {
  readonly name: string;
  private loaded?: Promise<Loaded>;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: LlamaCppChatClientOptions) {
    if (!options.modelPath) throw new ConfigError('modelPath is required', { key: 'modelPath' });
    this.name = `llama.cpp:${basename(options.modelPath)}`;
  }

  async complete(request: ChatRequest): Promise<ChatResponse> {
    let text = '';
    for await (const chunk of this.stream(request)) text += chunk;
    return { content: text, model: this.name };
  }

  async *stream(request: ChatRequest): AsyncGenerator<string> {
    const chunks: string[] = [];
    let done = false;
    let failure: unknown;
    let wake: (() => void) | undefined;
    const run = this.serial(async () => {
      const { llama, context, lib } = await this.load();
      const system = request.messages
        .filter((m) => m.role === 'system')
        .map((m) => m.content)
        .join('\n\n');
      const rest = request.messages.filter((m) => m.role !== 'system');
      const last = rest.at(-1);
      if (last?.role !== 'user')
        throw new LlmError(`${this.name}: the last message must be from the user`, { kind: 'protocol' });
      const sequence = context.getSequence();
      const session = new lib.LlamaChatSession({
        contextSequence: sequence,
        systemPrompt: system || undefined,
      });
      try {
        session.setChatHistory([
          ...(system ? [{ type: 'system' as const, text: system }] : []),
          ...rest
            .slice(0, -1)
            .map((m: ChatMessage) =>
              m.role === 'user'
                ? { type: 'user' as const, text: m.content }
                : { type: 'model' as const, response: [m.content] },
            ),
        ]);
        const grammar = request.jsonSchema
          ? await llama.createGrammarForJsonSchema(toGrammarSchema(request.jsonSchema.schema) as never)
          : undefined;
        await session.prompt(last.content, {
          grammar: grammar as never,
          maxTokens: request.maxTokens ?? this.options.maxTokens ?? 512,
          temperature: request.temperature ?? 0,
          seed: this.options.seed ?? 0,
          signal: request.signal,
          onTextChunk: (t: string) => {
            chunks.push(t);
            wake?.();
          },
        });
      } finally {
        session.dispose({ disposeSequence: true });
      }
    });
    run.then(
      () => {
        done = true;
        wake?.();
      },
      (e) => {
        failure = e;
        done = true;
        wake?.();
      },
    );
    for (;;) {
      if (chunks.length > 0) {
        yield chunks.shift() as string;
        continue;
      }
      if (done) break;
      await new Promise<void>((r) => {
        wake = r;
      });
      wake = undefined;
    }
    if (failure) {
      if (failure instanceof LlmError) throw failure;
      if (request.signal?.aborted)
        throw new LlmError(`${this.name}: aborted`, { kind: 'aborted' }, { cause: failure });
      throw new LlmError(
        `${this.name}: generation failed: ${(failure as Error).message}`,
        { kind: 'protocol' },
        { cause: failure },
      );
    }
  }

  /** Frees the model and context. */
  async dispose(): Promise<void> {
    if (!this.loaded) return;
    const l = await this.loaded.catch(() => undefined);
    this.loaded = undefined;
    if (!l) return;
    await l.context.dispose();
    await l.model.dispose();
  }

  private load(): Promise<Loaded> {
    this.loaded ??= (async () => {
      let lib: NodeLlamaCpp;
      try {
        lib = await import('node-llama-cpp');
      } catch (cause) {
        throw new LlmError(
          'node-llama-cpp is not installed: npm install node-llama-cpp@3.21.1',
          { kind: 'unavailable' },
          { cause },
        );
      }
      try {
        const llama = await lib.getLlama({
          gpu: this.options.gpu ?? false,
          build: 'never',
          logLevel: lib.LlamaLogLevel.error,
        });
        const model = await llama.loadModel({ modelPath: this.options.modelPath });
        const context = await model.createContext({
          contextSize: this.options.contextSize ?? 2048,
          ...(this.options.threads ? { threads: this.options.threads } : {}),
        });
        return { lib, llama, model, context };
      } catch (cause) {
        throw new LlmError(
          `${this.name}: cannot load model '${this.options.modelPath}': ${(cause as Error).message}`,
          { kind: 'unavailable' },
          { cause },
        );
      }
    })();
    this.loaded.catch(() => {
      this.loaded = undefined;
    });
    return this.loaded;
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

/**
 * Converts a JSON schema (as `z.toJSONSchema` writes it) to the subset node-llama-cpp's grammar
 * accepts: `anyOf` becomes `oneOf`; `$schema`, `pattern`, numeric bounds and other unknown keys are
 * dropped; only required properties are kept (that grammar makes every property required).
 */
export function toGrammarSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toGrammarSchema);
  if (schema === null || typeof schema !== 'object') return schema;
  const s = schema as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  if (s.anyOf || s.oneOf) return { oneOf: ((s.anyOf ?? s.oneOf) as unknown[]).map(toGrammarSchema) };
  for (const key of [
    'type',
    'enum',
    'const',
    'minLength',
    'maxLength',
    'minItems',
    'maxItems',
    'format',
    'description',
  ])
    if (s[key] !== undefined) out[key] = s[key];
  if (s.items) out.items = toGrammarSchema(s.items);
  if (s.properties) {
    const required = new Set((s.required as string[] | undefined) ?? []);
    const props: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(s.properties as Record<string, unknown>))
      if (required.has(k)) props[k] = toGrammarSchema(v);
    out.properties = props;
    out.additionalProperties = false;
  }
  return out;
}
