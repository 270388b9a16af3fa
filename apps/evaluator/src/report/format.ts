import type { EvalReport, ResultEntry } from '../evaluate';

/** A number for tables: 3 significant decimals, `n/a` for missing or NaN. */
export function fmt(v: number | null | undefined, digits = 3): string {
  return v === null || v === undefined || Number.isNaN(v) ? 'n/a' : v.toFixed(digits);
}

/** The results of one task and method, one per encoder in report order. */
export function rowsOf(report: EvalReport, task: string, method: string): (ResultEntry | undefined)[] {
  return report.encoders.map((e) =>
    report.results.find((r) => r.task === task && r.method === method && r.encoder === e.name),
  );
}

/** Metric names of a task (from its first result with metrics). */
export function metricNames(report: EvalReport, task: string): string[] {
  const r = report.results.find((x) => x.task === task && x.metrics);
  return r?.metrics?.map((m) => m.name) ?? [];
}

/** `metric (↑)` / `metric (↓)`. */
export function metricLabel(report: EvalReport, task: string, name: string): string {
  const m = report.results.find((x) => x.task === task && x.metrics)?.metrics?.find((y) => y.name === name);
  return `${name} ${m?.higherIsBetter ? '(higher is better)' : '(lower is better)'}`;
}
