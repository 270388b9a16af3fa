import { z } from 'zod';
import { LlmOutputError } from './errors';
import type { ChatClient, ChatMessage, Logger } from './llm-client';
import { silentLogger } from './llm-client';

/** Options of {@link structuredCall}. */
export interface StructuredCallOptions<T> {
  /** Schema name sent with the JSON schema. */
  name: string;
  /** Largest accepted output in characters (default 16,000); longer output is invalid. */
  maxChars?: number;
  /** A check beyond the schema (e.g. "ids must be candidates"); returns a message when invalid. */
  check?: (value: T) => string | undefined;
  /** Repair attempts after an invalid output (default 1). */
  repairs?: number;
  temperature?: number;
  maxTokens?: number;
  logger?: Logger;
  signal?: AbortSignal;
}

/**
 * Asks `client` for one JSON object matching `schema` (sent as a JSON schema from `z.toJSONSchema`),
 * then parses and validates it. Output that is too long, not JSON, off-schema or fails `check` gets
 * `repairs` repair attempts (the model sees its output and the errors); after that it throws.
 * @throws LlmOutputError when the output stays invalid; LlmError from the client.
 */
export async function structuredCall<S extends z.ZodType>(
  client: ChatClient,
  messages: readonly ChatMessage[],
  schema: S,
  options: StructuredCallOptions<z.output<S>>,
): Promise<z.output<S>> {
  const maxChars = options.maxChars ?? 16_000;
  const repairs = options.repairs ?? 1;
  const logger = options.logger ?? silentLogger;
  const jsonSchema = { name: options.name, schema: toResponseSchema(schema) };
  let convo = [...messages];
  let lastError = '';
  let lastRaw = '';
  for (let attempt = 0; attempt <= repairs; attempt++) {
    const r = await client.complete({
      messages: convo,
      jsonSchema,
      temperature: options.temperature,
      maxTokens: options.maxTokens,
      signal: options.signal,
    });
    lastRaw = r.content;
    const verdict = validate<z.output<S>>(
      r.content,
      schema as z.ZodType<z.output<S>>,
      maxChars,
      options.check,
    );
    if (verdict.ok) return verdict.value;
    lastError = verdict.error;
    logger({
      event: 'llm_output_invalid',
      schema: options.name,
      attempt,
      error: lastError,
      client: client.name,
    });
    convo = [
      ...messages,
      { role: 'assistant', content: r.content.slice(0, Math.min(maxChars, 4000)) },
      {
        role: 'user',
        content: `That output was invalid: ${lastError}. Reply again with only one JSON object that matches the schema "${options.name}".`,
      },
    ];
  }
  throw new LlmOutputError(
    `${options.name}: invalid LLM output after ${repairs} repair attempt(s): ${lastError}`,
    {
      raw: lastRaw.slice(0, 500),
      error: lastError,
    },
  );
}

function validate<T>(
  raw: string,
  schema: z.ZodType<T>,
  maxChars: number,
  check: ((v: T) => string | undefined) | undefined,
): { ok: true; value: T } | { ok: false; error: string } {
  if (raw.length > maxChars)
    return { ok: false, error: `output has ${raw.length} characters, more than ${maxChars}` };
  let json: unknown;
  try {
    json = JSON.parse(stripFences(raw));
  } catch (e) {
    return { ok: false, error: `not valid JSON (${(e as Error).message})` };
  }
  const r = schema.safeParse(json);
  if (!r.success)
    return {
      ok: false,
      error: r.error.issues
        .slice(0, 5)
        .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
        .join('; '),
    };
  const problem = check?.(r.data);
  return problem ? { ok: false, error: problem } : { ok: true, value: r.data };
}

/** Removes a surrounding markdown code fence, which some models add despite the schema. */
function stripFences(raw: string): string {
  const m = /^\s*```(?:json)?\s*([\s\S]*?)\s*```\s*$/.exec(raw);
  return m ? m[1] : raw;
}

/**
 * The JSON schema sent for structured output: zod 4's `z.toJSONSchema` (draft 7) without the
 * `$schema` key, which OpenAI's structured outputs and several servers do not accept.
 */
export function toResponseSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { target: 'draft-7' }) as Record<
    string,
    unknown
  >;
  return rest;
}
