export {
  clampLogTemperature,
  cosineDistanceLoss,
  type TemperatureBounds,
  videoTextContrastiveLoss,
} from './losses';
