export {
  ACTION_LIMITS,
  type Action,
  type ActionType,
  type AnswerAction,
  type AskAction,
  actionJsonSchema,
  actionSchema,
  answerActionSchema,
  askActionSchema,
  type Preference,
  preferenceSchema,
  type RecommendAction,
  type RecordPreferenceAction,
  type RetrieveAction,
  recommendActionSchema,
  recordPreferenceActionSchema,
  retrieveActionSchema,
} from './actions';
export { DialogueManager, type DialogueManagerOptions, type Reply } from './dialogue-manager';
export type { Candidate, DialogueState, Recommendation, Turn } from './dialogue-state';
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
export {
  checkExplanation,
  type ExplanationCheck,
  type FactVocabulary,
  factVocabulary,
} from './explanation-check';
export { type Filters, filterPredicate, filtersSchema, filtersToSql, matchesFilters } from './filters';
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
export { LlamaCppChatClient, type LlamaCppChatClientOptions, toGrammarSchema } from './llama-cpp-client';
export {
  type ChatClient,
  type ChatMessage,
  type ChatRequest,
  type ChatResponse,
  type Logger,
  silentLogger,
} from './llm-client';
export { LlmPolicy, type LlmPolicyOptions, policyOutputSchema } from './llm-policy';
export { LlmRanker, type LlmRankerOptions, rankingSchema } from './llm-ranker';
export { OpenAiChatClient, type OpenAiChatClientOptions } from './openai-client';
export {
  type CorpusVocabulary,
  channelIn,
  corpusVocabulary,
  isAcceptance,
  parseDuration,
  parsePreferences,
  referencedItem,
  tagsIn,
} from './parse';
export { type Policy, type PolicyContext, TERMINAL_ACTIONS } from './policy';
export {
  emptyProfile,
  PROFILE_LIMITS,
  preferencePhrase,
  type UserProfile,
  updateProfileByRules,
  userProfileSchema,
} from './profile';
export { LlmProfileUpdater, type ProfileUpdater, RuleProfileUpdater } from './profile-updater';
export {
  matchesPhrase,
  type Ranker,
  type RankInput,
  RuleRanker,
  type RuleRankerWeights,
  ruleExplanation,
  stated,
} from './ranker';
export {
  RETRIEVAL_MODES,
  type RetrievalMode,
  type Retriever,
  type SearchHit,
  type SearchRequest,
  type UpsertResult,
} from './retrieval';
export { type FusedHit, reciprocalRankFusion } from './rrf';
export { RulePolicy, type RulePolicyOptions } from './rule-policy';
export {
  MemorySessionStore,
  type SessionInfo,
  type SessionStore,
  SqliteSessionStore,
  type StoredDialogueState,
} from './session-store';
export {
  runSession,
  type SessionResult,
  type SimulateOptions,
  type SimulationMetrics,
  simulate,
  simulationMetrics,
} from './simulation';
export {
  itemFacts,
  LlmUser,
  PERSONAS,
  type Persona,
  ScriptedUser,
  type SimulatedUserConfig,
  type UserSimulator,
  type UserTurn,
  withoutTitle,
} from './simulator';
export { sseData } from './sse';
export { type StructuredCallOptions, structuredCall, toResponseSchema } from './structured-output';
export {
  generateCorpus,
  lengthTag,
  renderSyntheticClip,
  SYNTHETIC_SCENE_CONFIG,
  type SyntheticChannel,
  type SyntheticCorpusOptions,
  syntheticChannels,
} from './synthetic-corpus';
export { STOPWORDS, stem, tokenize } from './text';
export { dataBlock, newNonce, sanitizeUntrusted, untrustedDataRule } from './untrusted';
