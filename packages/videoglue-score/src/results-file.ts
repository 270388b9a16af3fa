import { readFile } from 'node:fs/promises';
import { ResultsFileError } from './errors';
import { type ModelReport, type ModelScores, scoreModel } from './model-score';
import { datasetGroups, type VgsSuite, VIDEOGLUE_SUITE } from './suite';

/**
 * The results interchange file that evaluators write and `vfm-vgs` reads. Costs are the single-cost
 * form's trainable GFLOPs per method; top-level `costs` are defaults, a model's `costs` override them
 * per method. A missing or `null` score means no result.
 * ```json
 * { "costs": { "frozen": 3.72, "mlap": 14.9, "adapter": 6.44, "e2e": 367 },
 *   "models": { "M": { "costs": { "e2e": 371 },
 *                      "scores": { "frozen": { "K400": 75.1, "MiT": 32.1 }, "mlap": {}, ... } } } }
 * ```
 */
export interface ResultsFile {
  readonly costs?: Readonly<Record<string, number>>;
  readonly models: Readonly<
    Record<
      string,
      {
        readonly costs?: Readonly<Record<string, number>>;
        readonly scores: ModelScores;
      }
    >
  >;
}

/** One cell of a result table, with the task group its dataset belongs to. */
export interface ResultRow {
  readonly model: string;
  readonly method: string;
  readonly dataset: string;
  readonly group: string | undefined;
  /** Metric value in [0, 100]; `null` = no result. */
  readonly value: number | null;
}

/** The file's scores, as a VGS report: `{ models: { [name]: ModelReport } }`. */
export interface VgsReport {
  readonly suite: string;
  readonly models: Readonly<Record<string, ModelReport>>;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

// Hand-written rather than zod: results files can hold tens of thousands of models, and this walk is
// ~10x faster. Values are only type-checked here (numbers, or null for scores); their ranges are
// checked when scoring, so errors name the model and method.
function costIssues(v: unknown, at: string, issues: string[]): void {
  if (!isRecord(v)) {
    issues.push(`${at}: expected an object of method -> cost`);
    return;
  }
  for (const k of Object.keys(v)) if (typeof v[k] !== 'number') issues.push(`${at}.${k}: expected a number`);
}

function fileIssues(value: unknown): string[] {
  const issues: string[] = [];
  if (!isRecord(value)) return ['(root): expected an object with "models"'];
  if (value.costs !== undefined) costIssues(value.costs, 'costs', issues);
  if (!isRecord(value.models)) return [...issues, 'models: expected an object of model -> results'];
  for (const [model, entry] of Object.entries(value.models)) {
    const at = `models.${model}`;
    if (!isRecord(entry)) {
      issues.push(`${at}: expected an object with "scores"`);
      continue;
    }
    if (entry.costs !== undefined) costIssues(entry.costs, `${at}.costs`, issues);
    if (!isRecord(entry.scores)) {
      issues.push(`${at}.scores: expected an object of method -> dataset -> score`);
      continue;
    }
    for (const [method, perDataset] of Object.entries(entry.scores)) {
      if (!isRecord(perDataset)) {
        issues.push(`${at}.scores.${method}: expected an object of dataset -> score`);
        continue;
      }
      for (const [dataset, v] of Object.entries(perDataset)) {
        if (v !== null && typeof v !== 'number')
          issues.push(`${at}.scores.${method}.${dataset}: expected a number or null`);
      }
    }
    if (issues.length > 20) break;
  }
  return issues;
}

/**
 * Checks that a parsed JSON value has the interchange shape (values are range-checked when scoring).
 * @throws ResultsFileError listing each problem with its JSON path.
 */
export function validateResultsFile(value: unknown, path?: string): ResultsFile {
  const issues = fileIssues(value);
  if (issues.length) {
    throw new ResultsFileError(
      `${path ?? 'results'} is not a VGS results file: ${issues.slice(0, 5).join('; ')}`,
      {
        path,
        issues,
      },
    );
  }
  return value as ResultsFile;
}

/** Parses and checks the JSON text of a results file. */
export function parseResultsFile(text: string, path?: string): ResultsFile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new ResultsFileError(
      `${path ?? 'results'} is not valid JSON: ${(cause as Error).message}`,
      { path },
      { cause },
    );
  }
  return validateResultsFile(value, path);
}

/** Reads, parses and checks a results file. */
export async function readResultsFile(path: string): Promise<ResultsFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new ResultsFileError(`cannot read ${path}: ${(cause as Error).message}`, { path }, { cause });
  }
  return parseResultsFile(text, path);
}

/** The costs that apply to `model`: the file's defaults overridden per method by the model's own. */
export function modelCosts(file: ResultsFile, model: string): Record<string, number> {
  return { ...(file.costs ?? {}), ...(file.models[model]?.costs ?? {}) };
}

/** Scores every model of a results file with the single-cost VGS. */
export function scoreResultsFile(file: ResultsFile, options: { suite?: VgsSuite } = {}): VgsReport {
  const suite = options.suite ?? VIDEOGLUE_SUITE;
  const models: Record<string, ModelReport> = {};
  for (const [model, entry] of Object.entries(file.models)) {
    models[model] = scoreModel(entry.scores, modelCosts(file, model), { suite, model });
  }
  return { suite: suite.name, models };
}

/** The file's results as flat rows (model, method, dataset, group, value), in file order. */
export function resultRows(file: ResultsFile, suite: VgsSuite = VIDEOGLUE_SUITE): ResultRow[] {
  const groupOf = datasetGroups(suite);
  const rows: ResultRow[] = [];
  for (const [model, entry] of Object.entries(file.models)) {
    for (const [method, perDataset] of Object.entries(entry.scores)) {
      for (const [dataset, value] of Object.entries(perDataset)) {
        rows.push({ model, method, dataset, group: groupOf.get(dataset), value: value ?? null });
      }
    }
  }
  return rows;
}
