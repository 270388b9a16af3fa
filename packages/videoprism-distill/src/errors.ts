import { VfmError } from '@vfmkit/core';

/** A token id outside the text tokenizer's vocabulary `[0, vocabSize)`. */
export class UnknownTokenError extends VfmError {
  constructor(message: string, details: { id: number; vocabSize: number }) {
    super('UNKNOWN_TOKEN', message, details);
  }
}

/** A caption that is empty (or only whitespace) cannot be embedded. */
export class EmptyCaptionError extends VfmError {
  constructor(message: string, details: { index: number }) {
    super('EMPTY_CAPTION', message, details);
  }
}

/**
 * A stage-2 teacher that does not fit its student: a different token grid, embedding width or clip
 * shape than the distillation config expects.
 */
export class TeacherMismatchError extends VfmError {
  constructor(message: string, details: Record<string, unknown>) {
    super('TEACHER_MISMATCH', message, details);
  }
}
