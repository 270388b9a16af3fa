import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { writeTinyGguf } from '../test/tiny-gguf';
import { LlamaCppChatClient, toGrammarSchema } from './llama-cpp-client';
import { structuredCall } from './structured-output';

// A random-weight model: only the grammar makes its output valid JSON of the schema.
const schema = z
  .object({ kind: z.enum(['like', 'dislike']), target: z.enum(['tag', 'channel']), sure: z.boolean() })
  .strict();
let dir: string;
let client: LlamaCppChatClient;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'recllm-gguf-'));
  writeTinyGguf(join(dir, 'tiny.gguf'), { seed: 3 });
  client = new LlamaCppChatClient({
    modelPath: join(dir, 'tiny.gguf'),
    contextSize: 512,
    threads: 1,
    maxTokens: 256,
  });
});
afterAll(async () => {
  await client.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('LlamaCppChatClient on a tiny GGUF written by the test', () => {
  it('decodes under a JSON-schema grammar: the output parses and validates', async () => {
    const out = await structuredCall(
      client,
      [
        { role: 'system', content: 'Classify the preference.' },
        { role: 'user', content: 'I do not like striped ones' },
      ],
      schema,
      { name: 'pref', repairs: 0, maxTokens: 256 },
    );
    expect(schema.safeParse(out).success).toBe(true);
    const chunks: string[] = [];
    for await (const c of client.stream({
      messages: [{ role: 'user', content: 'Which one?' }],
      jsonSchema: { name: 'pref', schema: z.toJSONSchema(schema) as Record<string, unknown> },
    }))
      chunks.push(c);
    expect(chunks.length).toBeGreaterThan(3);
    expect(schema.safeParse(JSON.parse(chunks.join(''))).success).toBe(true);
  });

  it('converts zod JSON schemas to the grammar subset', () => {
    const js = z.toJSONSchema(
      z.object({ a: z.union([z.literal('x'), z.number()]), b: z.string().optional() }),
    );
    expect(toGrammarSchema(js)).toEqual({
      type: 'object',
      properties: { a: { oneOf: [{ type: 'string', const: 'x' }, { type: 'number' }] } },
      additionalProperties: false,
    });
  });

  it('reports a missing model file as an unavailable LLM', async () => {
    const bad = new LlamaCppChatClient({ modelPath: join(dir, 'missing.gguf') });
    await expect(bad.complete({ messages: [{ role: 'user', content: 'hi' }] })).rejects.toMatchObject({
      code: 'RECLLM_LLM',
      details: { kind: 'unavailable' },
    });
  });
});
