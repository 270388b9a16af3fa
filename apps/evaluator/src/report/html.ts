import { readFileSync } from 'node:fs';
import type { EvalReport } from '../evaluate';
import { fmt, metricLabel, metricNames, rowsOf } from './format';

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const COLORS = ['#3b6fb6', '#d9822b', '#3a9d5d', '#b8425a', '#7d5ba6', '#6b6b6b'];

/** A horizontal bar chart (inline SVG) of one value per encoder, 0-100. */
function bars(labels: string[], values: (number | null)[]): string {
  const h = 22;
  const w = 420;
  const rows = labels.map((label, i) => {
    const v = values[i];
    const len = v === null ? 0 : (Math.max(0, Math.min(100, v)) / 100) * (w - 170);
    return `<text x="0" y="${i * h + 15}" font-size="12">${esc(label)}</text><rect x="160" y="${i * h + 4}" width="${len.toFixed(1)}" height="14" fill="${COLORS[i % COLORS.length]}"/><text x="${(165 + len).toFixed(1)}" y="${i * h + 15}" font-size="11">${v === null ? 'n/a' : v.toFixed(1)}</text>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${labels.length * h + 4}">${rows.join('')}</svg>`;
}

function table(header: string[], rows: string[][]): string {
  return `<table><thead><tr>${header.map((x) => `<th>${esc(x)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((x) => `<td>${esc(x)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

/** A self-contained HTML page: encoders, per task and method a table and a bar chart of the VGS score, the VGS. */
export function htmlReport(report: EvalReport): string {
  const names = report.encoders.map((e) => e.name);
  const s = report.settings;
  const parts: string[] = [
    report.status === 'partial'
      ? `<p class="partial"><strong>Partial report</strong>: stopped by ${esc(report.stoppedBy ?? 'a stop request')} before every task ran; the tables hold the finished results only.</p>`
      : '',
    `<h1>vfm-eval report</h1><p>${esc(report.createdAt)} on ${esc(report.machine)}. Suite <code>${esc(s.suite)}</code>; ${s.trainClips} train / ${s.testClips} val clips per task; ${s.steps} steps.</p>`,
    '<h2>Encoders</h2>',
    table(
      ['encoder', 'source', 'clip', 'width x depth', 'GFLOPs/clip', 'clips/s'],
      report.encoders.map((e) => [
        e.name,
        e.source,
        e.clip.join(' x '),
        `${e.width} x ${e.depth}`,
        fmt(e.gflops),
        e.clipsPerSecond === null ? 'cached' : fmt(e.clipsPerSecond, 1),
      ]),
    ),
  ];
  const skipped = report.skipped ?? [];
  if (skipped.length > 0)
    parts.push(
      '<h2>Skipped videos</h2>',
      `<p>${skipped.length} video${skipped.length > 1 ? 's' : ''} of the manifest could not be read and ${skipped.length > 1 ? 'were' : 'was'} left out (<code>--strict</code> fails instead).</p>`,
      table(
        ['line', 'video', 'reason', 'tasks', 'error'],
        skipped.map((v) => [String(v.line), v.path, v.reason, v.tasks.join(', '), v.message]),
      ),
    );
  for (const task of report.tasks) {
    parts.push(`<h2>${esc(task.name)}</h2>`);
    for (const method of s.adaptations) {
      const rows = rowsOf(report, task.name, method);
      if (rows.every((r) => r === undefined)) continue; // method not run on this task (taskAdaptations)
      parts.push(`<h3>${esc(method)}</h3>`);
      for (const p of (report.pictures ?? []).filter((x) => x.task === task.name && x.method === method)) {
        const data = readFileSync(p.file).toString('base64');
        parts.push(
          `<figure><img src="data:image/png;base64,${data}" width="${p.width}" height="${p.height}" alt="${esc(p.caption)}"><figcaption>${esc(p.encoder)}: ${esc(p.caption)}</figcaption></figure>`,
        );
      }
      parts.push(
        table(
          ['metric', ...names],
          [
            ...metricNames(report, task.name).map((m) => [
              metricLabel(report, task.name, m),
              ...rows.map((r) =>
                r?.metrics ? fmt(r.metrics.find((x) => x.name === m)?.value) : (r?.note ?? 'n/a'),
              ),
            ]),
            ['trainable params', ...rows.map((r) => String(r?.trainableParams ?? 'n/a'))],
          ],
        ),
      );
      parts.push(
        `<p>${esc(task.scoreName)}</p>`,
        bars(
          names,
          rows.map((r) => r?.score ?? null),
        ),
      );
    }
  }
  const vgsNames = Object.keys(report.vgs.models);
  parts.push(
    '<h2>VideoGLUE score</h2>',
    `<p>C_i = ${esc(report.vgs.costBasis)}.</p>`,
    table(
      ['encoder', ...report.vgs.suite.methods.map((m) => `${m.id}: S (w)`), 'VGS'],
      vgsNames.map((n) => {
        const m = report.vgs.models[n];
        return [
          n,
          ...report.vgs.suite.methods.map(
            (x) => `${fmt(m.methods[x.id].score, 2)} (${fmt(m.methods[x.id].weight)})`,
          ),
          fmt(m.vgs, 2),
        ];
      }),
    ),
    bars(
      vgsNames,
      vgsNames.map((n) => report.vgs.models[n].vgs),
    ),
  );
  return `<!doctype html><html><head><meta charset="utf-8"><title>vfm-eval report</title><style>body{font-family:system-ui,sans-serif;max-width:960px;margin:2em auto;padding:0 1em}table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}td:first-child,th:first-child{text-align:left}</style></head><body>${parts.join('\n')}</body></html>\n`;
}
