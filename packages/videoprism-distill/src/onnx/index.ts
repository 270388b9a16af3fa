export { OnnxTeacher } from './onnx-teacher';
export {
  buildTextGraph,
  exportTextOnnx,
  type TextOnnxExportOptions,
  type TextOnnxMeta,
  writeTextOnnx,
} from './text/export-text';
export {
  buildVideoTextModel,
  type Embeddings,
  VIDEO_TEXT_FILES,
  VIDEO_TEXT_FORMAT,
  type VideoTextManifest,
  VideoTextModel,
  type VideoTextModelParts,
  type VideoTextModelSource,
  writeVideoTextModel,
} from './video-text-model';
export {
  buildVideoTowerGraph,
  exportVideoTowerOnnx,
  type VideoTowerOnnxOptions,
} from './video-tower-export';
