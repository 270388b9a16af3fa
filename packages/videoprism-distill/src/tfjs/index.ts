export {
  clampLogTemperature,
  cosineDistanceLoss,
  type TemperatureBounds,
  videoTextContrastiveLoss,
} from './losses';
export { maskedSelfAttention } from './text/masked-attention';
export { TextTransformer } from './text/text-transformer';
