import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { writeTinyGguf } from '../test/tiny-gguf';
import { CorpusStore } from './corpus-store';
import { DialogueManager } from './dialogue-manager';
import { HashingEmbedder } from './hashing-embedder';
import { LlamaCppChatClient, toGrammarSchema } from './llama-cpp-client';
import { LlmPolicy } from './llm-policy';
import { structuredCall } from './structured-output';
import { generateCorpus } from './synthetic-corpus';

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

  it('drives the LLM policy with the full action grammar; a session survives a random model', async () => {
    const store = await CorpusStore.open({ dir: join(dir, 'corpus'), embedder: new HashingEmbedder() });
    await store.upsert(generateCorpus({ count: 100, seed: 1 }));
    const events: Record<string, unknown>[] = [];
    const policyClient = new LlamaCppChatClient({
      modelPath: join(dir, 'tiny.gguf'),
      contextSize: 4096,
      threads: 1,
      maxTokens: 40,
    });
    const manager = new DialogueManager({
      store,
      policy: new LlmPolicy({ client: policyClient, logger: (e) => events.push(e) }),
      maxSteps: 2,
    });
    const s = await manager.startSession('u');
    const reply = await manager.handleMessage(s.sessionId, 'a red sphere that bounces');
    expect(reply.text.length).toBeGreaterThan(0);
    // The grammar starts every answer as {"action":{"type": ...}; random weights then run out of tokens
    // inside a string, so each step is repaired once and falls back to the rule policy.
    const invalid = events.filter((e) => e.event === 'llm_output_invalid');
    expect(invalid.length).toBeGreaterThan(0);
    expect(events.filter((e) => e.event === 'policy_fallback').length).toBe(invalid.length / 2);
    await policyClient.dispose();
    await store.close();
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
