export {
  CorpusStore,
  type CorpusStoreOptions,
  RETRIEVAL_MODES,
  type RetrievalMode,
  type SearchHit,
  type SearchRequest,
  type UpsertResult,
} from './corpus-store';
export { checkEmbeddings, cosine, type Embedder } from './embedder';
export {
  EmbedderError,
  ItemValidationError,
  LlmError,
  LlmOutputError,
  SessionError,
  StoreError,
} from './errors';
export { type ExactHit, exactCosineSearch } from './exact-search';
export { type Filters, filtersSchema, filtersToSql, matchesFilters } from './filters';
export { HashingEmbedder, type HashingEmbedderOptions } from './hashing-embedder';
export {
  contentHash,
  type Item,
  type ItemInput,
  itemIdSchema,
  itemMediaSchema,
  itemSchema,
  itemText,
  parseItem,
  tagSchema,
} from './item';
export { type LexicalHit, LexicalIndex } from './lexical-index';
export {
  type ChatClient,
  type ChatMessage,
  type ChatRequest,
  type ChatResponse,
  type Logger,
  silentLogger,
} from './llm-client';
export { OpenAiChatClient, type OpenAiChatClientOptions } from './openai-client';
export { type FusedHit, reciprocalRankFusion } from './rrf';
export { sseData } from './sse';
export {
  generateCorpus,
  lengthTag,
  SYNTHETIC_SCENE_CONFIG,
  type SyntheticChannel,
  type SyntheticCorpusOptions,
  syntheticChannels,
} from './synthetic-corpus';
export { STOPWORDS, stem, tokenize } from './text';
