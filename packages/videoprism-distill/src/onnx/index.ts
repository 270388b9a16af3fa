export {
  buildTextGraph,
  exportTextOnnx,
  type TextOnnxExportOptions,
  type TextOnnxMeta,
  writeTextOnnx,
} from './text/export-text';
