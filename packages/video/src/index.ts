export {
  type ClipOptions,
  type DecodedClip,
  type DecodeOptions,
  decodeClip,
  decodeFrames,
  type FrameStreamOptions,
  resampleIndices,
  type VideoFrame,
} from './decode';
export { ManifestError, VideoDecodeError, type VideoDecodeReason, VideoEncodeError } from './errors';
export { type FfmpegBinary, type FfmpegOptions, inputPixelFormats, resolveFfmpeg } from './ffmpeg';
export {
  importFolderPerClass,
  importKineticsCsv,
  type KineticsRow,
  kineticsFileName,
  splitCsvLine,
  VIDEO_EXTENSIONS,
} from './importers';
export { liveFfmpegPids } from './internal/child';
export { type SkipReport, type VideoBatch, VideoLoader, type VideoLoaderOptions } from './loader';
export {
  labelVocabulary,
  type Manifest,
  type ManifestEntry,
  manifestEntrySchema,
  manifestFromEntries,
  parseManifestEntry,
  type ResolvedEntry,
  readManifest,
  resolveInside,
  writeManifest,
} from './manifest';
export { DecodePool } from './pool';
export { type ProbeOptions, parseProbeLog, probeVideo, type VideoInfo } from './probe';
export {
  type CropBox,
  clipSpan,
  multiView,
  randomClipIndices,
  segmentRandomIndices,
  slidingWindows,
  spatialViews,
  temporalViews,
  uniformIndices,
  type View,
} from './sampling';
export {
  checkClip,
  colorJitterClip,
  cropClip,
  flipClip,
  gaussianBlurClip,
  gaussianKernel,
  grayscaleClip,
  type JitterParams,
  luma,
  normalizeClip,
  type ResizeMode,
  resizeClip,
} from './transforms/kernels';
export {
  type ClipTransform,
  type ComposeConfig,
  compose,
  createTransform,
  parseTransformConfig,
  randomResizedCropBox,
  type TransformConfig,
  type TransformConfigInput,
  transformConfigSchema,
} from './transforms/transform';
export { type WritableClip, type WriteOptions, writeFrames, writeVideo } from './write';
