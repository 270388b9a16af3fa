import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import * as vl from 'vega-lite';
import { type CellResult, PRETRAINED } from './run-study';
import type { Study, StudyAnalysis } from './study';

/** Mean, sample standard deviation and count of one group of cells (seeds). */
export interface GroupStat {
  /** The group's axis values (every axis but `seed`). */
  readonly group: Readonly<Record<string, string | number>>;
  readonly task: string;
  readonly method: string;
  readonly encoder: string;
  readonly metric: string;
  readonly mean: number;
  readonly std: number;
  readonly n: number;
  readonly measures: Readonly<Record<string, number>>;
}

/** Means over seeds (std with n - 1; 0 for a single seed) per group, task, readout and encoder. */
export function groupStats(results: readonly CellResult[]): GroupStat[] {
  const groups = new Map<string, { base: Omit<GroupStat, 'mean' | 'std' | 'n'>; values: number[] }>();
  for (const r of results) {
    const group = Object.fromEntries(Object.entries(r.cell).filter(([k]) => k !== 'seed'));
    for (const m of r.metrics) {
      const key = JSON.stringify([group, m.task, m.method, m.encoder, m.metric]);
      const entry = groups.get(key) ?? {
        base: {
          group,
          task: m.task,
          method: m.method,
          encoder: m.encoder,
          metric: m.metric,
          measures: r.measures,
        },
        values: [],
      };
      entry.values.push(m.value);
      groups.set(key, entry);
    }
  }
  return [...groups.values()].map(({ base, values }) => {
    const n = values.length;
    const mean = values.reduce((a, b) => a + b, 0) / n;
    const variance = n > 1 ? values.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1) : 0;
    return { ...base, mean, std: Math.sqrt(variance), n };
  });
}

/** One row of a spread analysis: how much the mean moves along one axis with the other held fixed. */
export interface SpreadRow {
  readonly task: string;
  readonly metric: string;
  /** The axis varied (e.g. `method`) and the one held fixed (e.g. `policy`). */
  readonly varied: string;
  readonly fixed: string;
  /** max - min of the group means along `varied`, for each value of `fixed`. */
  readonly spreads: Readonly<Record<string, number>>;
  /** The average of `spreads`. */
  readonly meanSpread: number;
}

/**
 * The "augmentations vs algorithms" statistic: for each task, the spread (max - min of the mean over
 * seeds) across the values of `varied` at each fixed value of `fixed`, and its average.
 */
export function spreads(stats: readonly GroupStat[], varied: string, fixed: string): SpreadRow[] {
  const rows: SpreadRow[] = [];
  const trained = stats.filter((s) => s.encoder === PRETRAINED);
  const tasks = [...new Set(trained.map((s) => `${s.task}\u0000${s.method}\u0000${s.metric}`))];
  for (const key of tasks) {
    const [task, method, metric] = key.split('\u0000');
    const inTask = trained.filter((s) => s.task === task && s.method === method && s.metric === metric);
    const byFixed = new Map<string, number[]>();
    for (const s of inTask) {
      const f = String(s.group[fixed]);
      byFixed.set(f, [...(byFixed.get(f) ?? []), s.mean]);
    }
    const out: Record<string, number> = {};
    for (const [f, means] of byFixed) if (means.length > 1) out[f] = Math.max(...means) - Math.min(...means);
    const values = Object.values(out);
    if (values.length)
      rows.push({
        task: `${task} (${method})`,
        metric,
        varied,
        fixed,
        spreads: out,
        meanSpread: values.reduce((a, b) => a + b, 0) / values.length,
      });
  }
  return rows;
}

async function toPng(spec: vl.TopLevelSpec): Promise<Uint8Array> {
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return new Resvg(svg, { background: 'white' }).render().asPng();
}

/**
 * Bars of the group means with ±1 std error bars: one panel per task and per value of every axis
 * other than `x` and `color` (so no two groups share a bar).
 */
function barSpec(stats: readonly GroupStat[], x: string, color: string | undefined): vl.TopLevelSpec {
  const rest = (s: GroupStat) =>
    Object.entries(s.group)
      .filter(([k]) => k !== x && k !== color)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
  const values = stats.map((s) => ({
    ...s.group,
    panel: `${s.task} (${s.method}) ${s.metric}${rest(s) ? ` | ${rest(s)}` : ''}`,
    encoder: s.encoder,
    mean: s.mean,
    lo: s.mean - s.std,
    hi: s.mean + s.std,
  }));
  const colorEnc = color ? { color: { field: color, type: 'nominal' as const } } : {};
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    data: { values },
    facet: { field: 'panel', type: 'nominal', title: null },
    columns: 2,
    spec: {
      width: 260,
      height: 160,
      layer: [
        {
          mark: 'bar',
          encoding: {
            x: { field: x, type: 'nominal' },
            xOffset: color ? { field: color } : undefined,
            y: { field: 'mean', type: 'quantitative', title: 'mean over seeds' },
            ...colorEnc,
          },
        },
        {
          mark: { type: 'errorbar' },
          encoding: {
            x: { field: x, type: 'nominal' },
            xOffset: color ? { field: color } : undefined,
            y: { field: 'lo', type: 'quantitative', title: 'mean over seeds (± std)' },
            y2: { field: 'hi' },
          },
        },
      ],
    },
    resolve: { scale: { y: 'independent' } },
  } as vl.TopLevelSpec;
}

/** Metric against a measure (log x), with ±1 std bands, one panel per task. */
function scalingSpec(stats: readonly GroupStat[], measure: string, series: string): vl.TopLevelSpec {
  const values = stats
    .filter((s) => Number.isFinite(s.measures[measure]))
    .map((s) => ({
      panel: `${s.task} (${s.method}) ${s.metric}`,
      x: s.measures[measure],
      series: series === 'encoder' ? s.encoder : String(s.group[series]),
      mean: s.mean,
      lo: s.mean - s.std,
      hi: s.mean + s.std,
    }));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    data: { values },
    facet: { field: 'panel', type: 'nominal', title: null },
    columns: 2,
    spec: {
      width: 260,
      height: 160,
      layer: [
        {
          mark: { type: 'line', point: true },
          encoding: {
            x: { field: 'x', type: 'quantitative', scale: { type: 'log' }, title: measure },
            y: {
              field: 'mean',
              type: 'quantitative',
              title: 'mean over seeds (± std)',
              scale: { zero: false },
            },
            color: { field: 'series', type: 'nominal', title: series },
          },
        },
        {
          mark: 'errorbar',
          encoding: {
            x: { field: 'x', type: 'quantitative' },
            y: { field: 'lo', type: 'quantitative', title: 'mean over seeds (± std)' },
            y2: { field: 'hi' },
            color: { field: 'series', type: 'nominal' },
          },
        },
      ],
    },
    resolve: { scale: { y: 'independent' } },
  } as vl.TopLevelSpec;
}

const fmt = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(1) : v.toFixed(4));

/** What {@link writeStudyReport} wrote. */
export interface StudyReportFiles {
  readonly markdown: string;
  readonly html: string;
  readonly pictures: string[];
}

/**
 * Writes `report.md` and `report.html` (with the plots as PNG files beside them) for a study's
 * results: a table of means ± std over seeds, then each of the study's analyses.
 */
export async function writeStudyReport(
  study: Study,
  results: readonly CellResult[],
  out: string,
  context: {
    budget: 'quick' | 'full';
    command: string;
    wallSeconds: number;
    failed: readonly { id: string; message: string }[];
    /** Cells run at once (default: the budget's). */
    parallel?: number;
  },
): Promise<StudyReportFiles> {
  const stats = groupStats(results);
  const axes = Object.keys(study.axesFor?.(context.budget) ?? study.axes).filter((a) => a !== 'seed');
  const seeds = new Set(results.map((r) => r.cell.seed)).size;
  const md: string[] = [
    `# Study: ${study.name}`,
    '',
    study.question,
    '',
    `- budget: **${context.budget}**: ${study.budgets[context.budget].description}`,
    `- cells finished: ${results.length}${context.failed.length ? `, failed: ${context.failed.length}` : ''}; seeds per group: ${seeds}`,
    `- wall time of this invocation: ${(context.wallSeconds / 60).toFixed(1)} min; train + eval time summed over the finished cells: ${(results.reduce((t, r) => t + r.trainSeconds + r.evalSeconds, 0) / 60).toFixed(1)} min (cells run ${context.parallel ?? study.budgets[context.budget].parallel} at a time)`,
    `- command: \`${context.command}\``,
    '',
    '## Means over seeds (± sample std)',
    '',
    `| ${axes.join(' | ')} | task (readout) | encoder | metric | mean | std | n |`,
    `|${'---|'.repeat(axes.length + 6)}`,
  ];
  for (const s of stats)
    md.push(
      `| ${axes.map((a) => s.group[a]).join(' | ')} | ${s.task} (${s.method}) | ${s.encoder} | ${s.metric} | ${fmt(s.mean)} | ${fmt(s.std)} | ${s.n} |`,
    );
  const pictures: string[] = [];
  const addPicture = async (name: string, spec: vl.TopLevelSpec) => {
    const file = join(out, name);
    writeFileSync(file, await toPng(spec));
    pictures.push(file);
    md.push('', `![${name}](${name})`);
  };
  for (const analysis of study.analysis) await analysisSection(analysis);
  if (context.failed.length) {
    md.push('', '## Failed cells', '');
    for (const f of context.failed) md.push(`- \`${f.id}\`: ${f.message}`);
  }
  const markdown = join(out, 'report.md');
  writeFileSync(markdown, `${md.join('\n')}\n`);
  const html = join(out, 'report.html');
  writeFileSync(html, markdownToHtml(md, study.name));
  return { markdown, html, pictures };

  async function analysisSection(analysis: StudyAnalysis) {
    if (analysis.kind === 'spread') {
      md.push('', `## Spread across ${analysis.a} vs across ${analysis.b}`, '');
      md.push(
        `The spread is max − min of the mean over seeds. "Across ${analysis.a}" holds ${analysis.b} fixed and varies ${analysis.a}; the other column the reverse. Each is averaged over the fixed values.`,
        '',
        `| task (readout) | metric | spread across ${analysis.a} | spread across ${analysis.b} |`,
        '|---|---|---|---|',
      );
      const acrossA = spreads(stats, analysis.a, analysis.b);
      const acrossB = spreads(stats, analysis.b, analysis.a);
      for (const row of acrossA) {
        const other = acrossB.find((r) => r.task === row.task && r.metric === row.metric);
        md.push(
          `| ${row.task} | ${row.metric} | ${fmt(row.meanSpread)} | ${other ? fmt(other.meanSpread) : '-'} |`,
        );
      }
      await addPicture(
        `bars-${analysis.a}-${analysis.b}.png`,
        barSpec(
          stats.filter((s) => s.encoder === PRETRAINED),
          analysis.a,
          analysis.b,
        ),
      );
    } else if (analysis.kind === 'bars') {
      md.push('', `## By ${analysis.a}`, '');
      await addPicture(
        `bars-${analysis.a}.png`,
        barSpec(
          stats.filter((s) => s.encoder === PRETRAINED),
          analysis.a,
          undefined,
        ),
      );
    } else {
      md.push('', `## ${analysis.measure} scaling`, '');
      await addPicture(
        `scaling-${analysis.measure}.png`,
        scalingSpec(stats, analysis.measure, analysis.series ?? 'encoder'),
      );
    }
  }
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The markdown report as a standalone page (tables, headings, images, lists; nothing else is used). */
function markdownToHtml(lines: readonly string[], title: string): string {
  const body: string[] = [];
  let table: string[][] | null = null;
  const flush = () => {
    if (!table) return;
    const [head, , ...rows] = table;
    body.push(
      `<table><thead><tr>${head.map((c) => `<th>${escapeHtml(c)}</th>`).join('')}</tr></thead><tbody>${rows
        .map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`)
        .join('')}</tbody></table>`,
    );
    table = null;
  };
  for (const line of lines) {
    if (line.startsWith('|')) {
      table ??= [];
      table.push(
        line
          .slice(1, -1)
          .split('|')
          .map((c) => c.trim()),
      );
      continue;
    }
    flush();
    const img = /^!\[(.*)\]\((.*)\)$/.exec(line);
    if (img) body.push(`<p><img alt="${escapeHtml(img[1])}" src="${escapeHtml(img[2])}"></p>`);
    else if (line.startsWith('## ')) body.push(`<h2>${escapeHtml(line.slice(3))}</h2>`);
    else if (line.startsWith('# ')) body.push(`<h1>${escapeHtml(line.slice(2))}</h1>`);
    else if (line.startsWith('- '))
      body.push(`<li>${escapeHtml(line.slice(2)).replace(/\*\*(.*?)\*\*/g, '<b>$1</b>')}</li>`);
    else if (line.trim()) body.push(`<p>${escapeHtml(line)}</p>`);
  }
  flush();
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>body{font-family:sans-serif;max-width:1100px;margin:2em auto}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}</style></head><body>${body.join('\n')}</body></html>\n`;
}
