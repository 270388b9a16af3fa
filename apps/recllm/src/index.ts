export { BODY_LIMITS } from './api-schemas';
export {
  type AppContext,
  dataPaths,
  defaultEmbedder,
  type OpenAppOptions,
  openApp,
  openCorpus,
} from './app-context';
export { type ChatOptions, runChat } from './chat';
export { main, parseCli } from './cli';
export { type DemoOptions, runDemo } from './demo';
export { AppConfigError, IndexingError, MediaPathError, ModelFileError } from './errors';
export { type IndexOptions, type IndexResult, runIndex } from './index-command';
export {
  embedVideoFile,
  featuresPath,
  indexOne,
  loadVideoEncoder,
  openIndexTarget,
  readIndexManifest,
  type VideoFeatureEncoder,
} from './indexer';
export { checkGgufFile, checkLlmFlags, type LlmFlags, policyFromFlags } from './llm';
export { clipGif, firstFramePng, frameRgba, mediaType, resolveMediaFile, writeThumbnails } from './media';
export { openApiDocument } from './openapi';
export { enqueueAndWait, redisConnection, runWorker } from './queue';
export { type RunningServer, type StartServerOptions, startServer } from './serve';
export { type AdminStore, buildServer, type ServerOptions } from './server';
export { VideoFeatureStore } from './video-features';
export {
  type EmbeddingRows,
  hasVideoTower,
  type VideoTextEmbedder,
  type VideoTextEncoder,
  videoTextEmbedder,
} from './video-text';
