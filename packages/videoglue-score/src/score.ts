import { type EntryPath, InvalidCostError, InvalidScoreError, MissingMethodError } from './errors';

/** One method's part in a VGS: its average score S_i, its weight w_i, and the cost C_i behind it. */
export interface MethodWeight {
  readonly score: number;
  readonly weight: number;
  readonly cost: number;
}

/** A VGS and, per method, why: `vgs = sum_i weight_i * score_i`. */
export interface VgsResult {
  readonly vgs: number;
  readonly methods: Readonly<Record<string, MethodWeight>>;
}

/** Costs per method for the two-scenario form: training (trainable parameters) and inference (FLOPs). */
export interface TwoScenarioCosts {
  readonly training: Readonly<Record<string, number>>;
  readonly inference: Readonly<Record<string, number>>;
}

/** The two-scenario VGS: the mean of the training-cost VGS and the inference-cost VGS. */
export interface TwoScenarioResult {
  readonly vgs: number;
  readonly training: VgsResult;
  readonly inference: VgsResult;
}

/** Checks a cost: a finite number > 1 (so that log10(C) > 0). */
export function checkCost(cost: unknown, path: EntryPath): number {
  if (typeof cost !== 'number' || !Number.isFinite(cost) || cost <= 1) throw new InvalidCostError(path, cost);
  return cost;
}

/**
 * VGS weights: A_i = 1 / log10(C_i), w_i = A_i / sum_j A_j (Yuan et al., VideoGLUE, Eq. 3). Cheaper
 * methods weigh more; the weights are positive and sum to 1.
 * @throws InvalidCostError naming the method whose cost is not a finite number > 1.
 */
export function vgsWeights(
  costs: Readonly<Record<string, number>>,
  path: EntryPath = {},
): Record<string, number> {
  const methods = Object.keys(costs);
  if (methods.length === 0) throw new MissingMethodError({ ...path, method: '(any)' }, 'cost');
  const inv = methods.map((method) => {
    const c = costs[method];
    if (!(typeof c === 'number' && c > 1 && c < Number.POSITIVE_INFINITY)) checkCost(c, { ...path, method });
    return 1 / Math.log10(c);
  });
  const sum = inv.reduce((a, b) => a + b, 0);
  return Object.fromEntries(methods.map((m, i) => [m, inv[i] / sum]));
}

/**
 * The single-cost VGS (VideoPrism appendix E, Table 17): `sum_i w_i S_i` with weights from the costs
 * (trainable GFLOPs there). `scores` holds S_i per method (each already a mean of group means); every
 * method needs a cost and every cost a score.
 * @throws MissingMethodError, InvalidCostError, InvalidScoreError naming the entry.
 */
export function computeVgs(
  scores: Readonly<Record<string, number>>,
  costs: Readonly<Record<string, number>>,
  path: EntryPath = {},
): VgsResult {
  for (const method in scores) {
    if (!(method in costs)) throw new MissingMethodError({ ...path, method }, 'cost');
  }
  for (const method in costs) {
    if (!(method in scores)) throw new MissingMethodError({ ...path, method }, 'scores');
  }
  const weights = vgsWeights(costs, path);
  const methods: Record<string, MethodWeight> = {};
  let vgs = 0;
  for (const method of Object.keys(scores)) {
    const score = scores[method];
    if (typeof score !== 'number' || !(score >= 0 && score <= 100)) {
      throw new InvalidScoreError({ ...path, method, dataset: '(method average)' }, score);
    }
    methods[method] = { score, weight: weights[method], cost: costs[method] };
    vgs += weights[method] * score;
  }
  return { vgs, methods };
}

/**
 * The two-scenario VGS (VideoGLUE journal version, Sec. 4.3, Eq. 3): VGS_1 with C = trainable
 * parameters (training cost), VGS_2 with C = inference FLOPs; the final score is their mean. Use units
 * that keep every cost > 1 (a raw parameter count; GFLOPs).
 */
export function computeTwoScenarioVgs(
  scores: Readonly<Record<string, number>>,
  costs: TwoScenarioCosts,
  path: EntryPath = {},
): TwoScenarioResult {
  const training = computeVgs(scores, costs.training, { ...path, scenario: 'training' });
  const inference = computeVgs(scores, costs.inference, { ...path, scenario: 'inference' });
  return { vgs: (training.vgs + inference.vgs) / 2, training, inference };
}
