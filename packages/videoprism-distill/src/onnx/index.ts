export { OnnxTeacher } from './onnx-teacher';
export {
  isStudentVideo,
  resolveStudentVideo,
  type StudentGlobalSize,
  type StudentVideoConfig,
  selectStudentVideoWeights,
  studentVideoConfig,
  studentVideoWeightSpecs,
} from './student-video-config';
export {
  buildStudentVideoGraph,
  exportStudentVideoOnnx,
  type StudentVideoOnnxOptions,
} from './student-video-export';
export {
  buildStudentVideoTextModel,
  type StudentVideoTextSource,
  writeStudentVideoTextModel,
} from './student-video-text-model';
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
  findVideoTextFolder,
  readVideoTextModel,
  VIDEO_TEXT_FILES,
  VIDEO_TEXT_FORMAT,
  type VideoTextManifest,
  VideoTextModel,
  type VideoTextModelOptions,
  type VideoTextModelParts,
  type VideoTextModelSource,
  videoTextModelFiles,
  writeVideoTextModel,
} from './video-text-model';
export {
  buildVideoTowerGraph,
  exportVideoTowerOnnx,
  type VideoTowerOnnxOptions,
} from './video-tower-export';
