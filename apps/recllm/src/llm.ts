import { closeSync, openSync, readSync, statSync } from 'node:fs';
import {
  type ChatClient,
  factVocabulary,
  LlamaCppChatClient,
  LlmPolicy,
  LlmRanker,
  type Logger,
  OpenAiChatClient,
  type Policy,
  type Ranker,
  type Retriever,
} from '@vfmkit/recllm';
import { AppConfigError, ModelFileError } from './errors';

/** How the dialogue is driven: rules (default), an OpenAI-compatible server, or a local GGUF model. */
export interface LlmFlags {
  /** OpenAI-compatible base URL, e.g. `http://localhost:11434/v1`. */
  llm?: string;
  /** Model name for `llm` (default `default`). */
  model?: string;
  /** API key for `llm` (default: `$OPENAI_API_KEY` when set). */
  apiKey?: string;
  /** Path of a local GGUF model. */
  gguf?: string;
}

/** GGUF versions node-llama-cpp (llama.cpp) reads. */
const GGUF_VERSIONS = [2, 3];

/**
 * Checks a local GGUF model file before anything is opened or written: it must exist, be a regular
 * file and start with the GGUF header (the magic `GGUF`, then a little-endian uint32 version 2 or 3).
 * Only the header is read; a file with a valid header but a broken body fails when node-llama-cpp
 * loads it, and the LLM policy then falls back to the rules for that turn (logged).
 * @throws ModelFileError naming the path and the reason.
 */
export function checkGgufFile(path: string): void {
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile())
      throw new ModelFileError(`--gguf '${path}' is not a regular file`, { path, reason: 'not-a-file' });
    size = st.size;
  } catch (e) {
    if (e instanceof ModelFileError) throw e;
    throw new ModelFileError(`--gguf '${path}': no such model file`, { path, reason: 'missing' });
  }
  const head = Buffer.alloc(8);
  let read = 0;
  try {
    const fd = openSync(path, 'r');
    try {
      read = readSync(fd, head, 0, 8, 0);
    } finally {
      closeSync(fd);
    }
  } catch (cause) {
    throw new ModelFileError(`--gguf '${path}' cannot be read: ${(cause as Error).message}`, {
      path,
      reason: 'unreadable',
    });
  }
  if (read < 8 || head.toString('latin1', 0, 4) !== 'GGUF')
    throw new ModelFileError(
      `--gguf '${path}' is not a GGUF model: it starts with ${JSON.stringify(head.toString('latin1', 0, Math.min(read, 4)))} (${size} bytes), not the magic "GGUF"`,
      { path, reason: 'not-gguf', size },
    );
  const version = head.readUInt32LE(4);
  if (!GGUF_VERSIONS.includes(version))
    throw new ModelFileError(
      `--gguf '${path}' is GGUF version ${version}; supported versions: ${GGUF_VERSIONS.join(', ')}`,
      { path, reason: 'unsupported-version', version },
    );
}

/**
 * Checks the LLM flags before a command opens or writes anything: not both `llm` and `gguf`, `llm` an
 * http(s) URL, `gguf` a GGUF file ({@link checkGgufFile}).
 * @throws AppConfigError or ModelFileError.
 */
export function checkLlmFlags(flags: LlmFlags): void {
  if (flags.llm && flags.gguf) throw new AppConfigError('give --llm or --gguf, not both');
  if (flags.llm) {
    let url: URL | undefined;
    try {
      url = new URL(flags.llm);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:'))
      throw new AppConfigError(`--llm must be an http(s) URL, got '${flags.llm}'`, { key: 'llm' });
  }
  if (flags.gguf) checkGgufFile(flags.gguf);
}

/** The policy and ranker for the flags: `{}` (rules) when neither `llm` nor `gguf` is given. */
export function policyFromFlags(
  flags: LlmFlags,
  store: Retriever,
  logger: Logger,
): { policy?: Policy; ranker?: Ranker; client?: ChatClient } {
  checkLlmFlags(flags);
  let client: ChatClient | undefined;
  if (flags.llm)
    client = new OpenAiChatClient({
      baseUrl: flags.llm,
      model: flags.model ?? 'default',
      apiKey: flags.apiKey ?? process.env.OPENAI_API_KEY,
      timeoutMs: 60_000,
    });
  else if (flags.gguf) client = new LlamaCppChatClient({ modelPath: flags.gguf });
  if (!client) return {};
  return {
    client,
    policy: new LlmPolicy({ client, logger }),
    ranker: new LlmRanker({ client, vocabulary: factVocabulary(store.all()), logger }),
  };
}
