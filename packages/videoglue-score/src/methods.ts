/** The four adaptation methods of VideoGLUE (Yuan et al., "VideoGLUE: Video General Understanding
 * Evaluation of Foundation Models", Sec. 3.2). */
export type BuiltinMethodId = 'frozen' | 'mlap' | 'adapter' | 'e2e';

/** An adaptation method: how a foundation model is tailored to a task. Custom ids are allowed. */
export interface AdaptationMethod {
  /** Stable id used as the key in results files, e.g. `frozen`. */
  readonly id: string;
  /** Human-readable name for tables. */
  readonly label: string;
  /** What the method trains. */
  readonly description: string;
}

/** VideoGLUE's methods, in the paper's order (cheapest training first but e2e). */
export const BUILTIN_METHODS: readonly AdaptationMethod[] = [
  {
    id: 'frozen',
    label: 'Frozen',
    description: 'frozen backbone; a one-layer attentive pooler (MAP) head is trained',
  },
  {
    id: 'mlap',
    label: 'MLAP',
    description: 'frozen backbone; a multi-layer attention pooler over the last k layers (k = 4) is trained',
  },
  {
    id: 'adapter',
    label: 'Adapter',
    description:
      'frozen backbone with low-rank (bottleneck, rank 64) adapters in every block; adapters and head are trained',
  },
  { id: 'e2e', label: 'E2E', description: 'end-to-end finetuning of backbone and head' },
];
