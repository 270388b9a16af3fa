export {
  AUGMENT_POLICY_NAMES,
  type AugmentPolicy,
  type AugmentPolicyInput,
  type AugmentPolicyName,
  augmentPolicy,
  augmentPolicySchema,
  parseAugmentPolicy,
} from './augment/policy';
export { type PolicyPreviewOptions, policyPreview } from './augment/preview';
export {
  makeViews,
  sampleViewTiming,
  stackViews,
  takeFrames,
  type ViewBatchOptions,
  type ViewOptions,
  type ViewTiming,
  viewBatch,
} from './augment/views';
export { SslStatsError } from './errors';
export {
  collapseReport,
  type HeadConfig,
  headConfigSchema,
  type MomentumSchedule,
  momentumAt,
  momentumScheduleSchema,
  parseSslMethod,
  SSL_METHOD_NAMES,
  SSL_METHODS,
  type SslLossName,
  type SslMethodConfig,
  type SslMethodConfigInput,
  type SslMethodName,
  sslMethod,
  sslMethodSchema,
  TARGET_KINDS,
  type TargetKind,
} from './methods';
