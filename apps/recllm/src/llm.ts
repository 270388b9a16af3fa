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
import { AppConfigError } from './errors';

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

/** The policy and ranker for the flags: `{}` (rules) when neither `llm` nor `gguf` is given. */
export function policyFromFlags(
  flags: LlmFlags,
  store: Retriever,
  logger: Logger,
): { policy?: Policy; ranker?: Ranker; client?: ChatClient } {
  if (flags.llm && flags.gguf) throw new AppConfigError('give --llm or --gguf, not both');
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
