/**
 * vfmkit's adaptation methods, the one vocabulary that probes, videoglue-score, the evaluator and the
 * reports share: VideoGLUE's four (Yuan et al., "VideoGLUE: Video General Understanding Evaluation of
 * Foundation Models", Sec. 3.2: `frozen`, `mlap`, `adapter`, `e2e`) and a frozen linear readout.
 * - `linear`: frozen backbone; layer norm + linear head;
 * - `frozen`: frozen backbone; a one-layer attentive pooler (MAP) head (VideoGLUE's "frozen");
 * - `mlap`: frozen backbone; a multi-layer attention pooler over the last layers;
 * - `adapter`: frozen backbone with adapters inside it (kind `lora` or `bottleneck`, with a rank and a
 *   placement); adapters and an attentive head train;
 * - `e2e`: end-to-end finetuning of backbone and attentive head.
 *
 * The ids are the keys of results files and CLI flags. `@vfmkit/probes` builds its typed adaptation
 * configs (rank, placement, ...) on them.
 */
export const ADAPTATION_METHOD_IDS = ['linear', 'frozen', 'mlap', 'adapter', 'e2e'] as const;
/** One of {@link ADAPTATION_METHOD_IDS}. */
export type AdaptationMethodId = (typeof ADAPTATION_METHOD_IDS)[number];

/** The kinds of adapter the `adapter` method inserts: LoRA (Hu et al. 2021) or a bottleneck (Houlsby et al. 2019). */
export const ADAPTER_KINDS = ['lora', 'bottleneck'] as const;
/** One of {@link ADAPTER_KINDS}. */
export type AdapterKind = (typeof ADAPTER_KINDS)[number];

/** VideoGLUE's four methods, the ones its published tables and costs cover. */
export type BuiltinMethodId = Exclude<AdaptationMethodId, 'linear'>;

/** True for the ids of {@link ADAPTATION_METHOD_IDS}. */
export function isAdaptationMethodId(id: string): id is AdaptationMethodId {
  return (ADAPTATION_METHOD_IDS as readonly string[]).includes(id);
}

/** True for the methods that train weights inside the backbone (`adapter`, `e2e`), not over frozen features. */
export function trainsBackbone(id: AdaptationMethodId): boolean {
  return id === 'adapter' || id === 'e2e';
}

/**
 * A method column of a VGS suite: how a foundation model is tailored to a task. Custom ids are allowed
 * (a results file may score any method); vfmkit's own are {@link ADAPTATION_METHOD_IDS}.
 */
export interface SuiteMethod {
  /** Stable id used as the key in results files, e.g. `frozen`. */
  readonly id: string;
  /** Human-readable name for tables. */
  readonly label: string;
  /** What the method trains. For a run, write it from the configuration that ran (probes' `describeAdaptation`). */
  readonly description: string;
}

/** Every method of {@link ADAPTATION_METHOD_IDS} with its generic label and description. */
export const ADAPTATION_METHODS: Readonly<Record<AdaptationMethodId, SuiteMethod>> = Object.freeze({
  linear: {
    id: 'linear',
    label: 'Linear',
    description: 'frozen backbone; a layer norm + linear head is trained',
  },
  frozen: {
    id: 'frozen',
    label: 'Frozen',
    description: 'frozen backbone; a one-layer attentive pooler (MAP) head is trained',
  },
  mlap: {
    id: 'mlap',
    label: 'MLAP',
    description: 'frozen backbone; a multi-layer attention pooler over the last k layers is trained',
  },
  adapter: {
    id: 'adapter',
    label: 'Adapter',
    description:
      'frozen backbone with adapters (LoRA or bottleneck) inside it; adapters and head are trained',
  },
  e2e: { id: 'e2e', label: 'E2E', description: 'end-to-end finetuning of backbone and head' },
});

/** VideoGLUE's four methods, in the paper's order (cheapest training first but e2e). */
export const BUILTIN_METHODS: readonly SuiteMethod[] = [
  ADAPTATION_METHODS.frozen,
  ADAPTATION_METHODS.mlap,
  ADAPTATION_METHODS.adapter,
  ADAPTATION_METHODS.e2e,
];
