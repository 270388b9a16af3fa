import { VfmError } from '@vfmkit/core';

/** Where in a result set an error was found: the model, the adaptation method, the cost scenario. */
export interface EntryPath {
  readonly model?: string;
  readonly method?: string;
  readonly scenario?: string;
}

function where(path: EntryPath): string {
  const parts: string[] = [];
  if (path.model !== undefined) parts.push(`model "${path.model}"`);
  if (path.method !== undefined) parts.push(`method "${path.method}"`);
  if (path.scenario !== undefined) parts.push(`${path.scenario} cost`);
  return parts.length ? `${parts.join(', ')}: ` : '';
}

/**
 * An adaptation cost that the score cannot use: not a finite number, or <= 1 (VGS weighs method i by
 * 1 / log10(C_i), which is infinite at 1 and negative below it; express costs in a unit that keeps
 * them above 1, e.g. GFLOPs or a raw parameter count). Code `VGS_INVALID_COST`.
 */
export class InvalidCostError extends VfmError {
  constructor(path: EntryPath, cost: unknown) {
    super(
      'VGS_INVALID_COST',
      `${where(path)}cost ${String(cost)} is invalid: costs must be finite numbers > 1 (VGS weighs a method by 1 / log10(cost))`,
      { ...path, cost },
    );
  }
}

/** A metric value outside [0, 100] or not a number. Code `VGS_INVALID_SCORE`. */
export class InvalidScoreError extends VfmError {
  constructor(path: EntryPath & { dataset: string }, value: unknown) {
    super(
      'VGS_INVALID_SCORE',
      `${where(path)}dataset "${path.dataset}" has score ${String(value)}; scores are numbers in [0, 100] (null = no result)`,
      { ...path, value },
    );
  }
}

/** A dataset that no task group of the suite lists. Code `VGS_UNKNOWN_DATASET`. */
export class UnknownDatasetError extends VfmError {
  constructor(path: EntryPath & { dataset: string }, known: readonly string[]) {
    super(
      'VGS_UNKNOWN_DATASET',
      `${where(path)}unknown dataset "${path.dataset}" (known: ${known.join(', ')})`,
      { ...path, known },
    );
  }
}

/** An adaptation method that the suite does not define. Code `VGS_UNKNOWN_METHOD`. */
export class UnknownMethodError extends VfmError {
  constructor(path: EntryPath & { method: string }, known: readonly string[]) {
    super('VGS_UNKNOWN_METHOD', `${where(path)}unknown adaptation method (known: ${known.join(', ')})`, {
      ...path,
      known,
    });
  }
}

/**
 * A method the score needs has no results or no cost. Every method of the suite enters the VGS, so a
 * model must have both for each. Code `VGS_MISSING_METHOD`.
 */
export class MissingMethodError extends VfmError {
  constructor(path: EntryPath & { method: string }, missing: 'scores' | 'cost') {
    super(
      'VGS_MISSING_METHOD',
      `${where(path)}has no ${missing === 'scores' ? 'results' : 'cost'}; every method of the suite enters the VGS`,
      { ...path, missing },
    );
  }
}

/** A results file that is not valid JSON or not of the interchange shape. Code `VGS_RESULTS_FILE`. */
export class ResultsFileError extends VfmError {
  constructor(
    message: string,
    details: { path?: string; issues?: readonly string[] },
    options?: { cause?: unknown },
  ) {
    super('VGS_RESULTS_FILE', message, details, options);
  }
}
