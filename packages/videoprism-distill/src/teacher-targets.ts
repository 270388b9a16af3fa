/**
 * A stage-2 teacher's outputs for a batch, computed outside the training model (e.g. by `OnnxTeacher`
 * on ONNX Runtime), row-major float32. `DistillModel` takes them as the batch entries `teacherTokens`
 * and `teacherEmbedding`.
 */
export interface TeacherTargets {
  /** `[B, N, Dt]` the teacher's output tokens (after its final norm), t-major. */
  readonly tokens: Float32Array;
  /** `[B, Dt]` the teacher's global embedding (not normalised). */
  readonly embedding: Float32Array;
}
