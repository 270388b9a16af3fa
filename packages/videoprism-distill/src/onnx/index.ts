export {
  buildTextGraph,
  exportTextOnnx,
  type TextOnnxExportOptions,
  type TextOnnxMeta,
  writeTextOnnx,
} from './text/export-text';
export {
  buildVideoTowerGraph,
  exportVideoTowerOnnx,
  type VideoTowerOnnxOptions,
} from './video-tower-export';
