import { relative } from 'node:path';
import { markdownTable } from '@vfmkit/core';
import type { EvalReport } from '../evaluate';
import { fmt, metricLabel, metricNames, rowsOf } from './format';

/** The report as markdown: settings, encoders, one table per task and method (encoders side by side), VGS. */
export function markdownReport(report: EvalReport): string {
  const s = report.settings;
  const names = report.encoders.map((e) => e.name);
  const out: string[] = [
    '# vfm-eval report',
    '',
    ...(report.status === 'partial'
      ? [
          `**Partial report**: stopped by ${report.stoppedBy} before every task ran; the tables hold the finished results only.`,
          '',
        ]
      : []),
    `${report.createdAt} on ${report.machine}. ${s.data === 'synth4d' ? `Suite \`${s.suite}\`; heads trained on ${s.trainClips} synth4d train clips, scored on ${s.testClips} val clips` : `Tasks of the video manifest \`${s.data}\` (its train and val / test entries)`}; ${s.steps} steps, batch ${s.batchSize}, lr ${s.lr}, seed ${s.seed}.`,
    '',
    '## Encoders',
    '',
    markdownTable(
      [
        'encoder',
        'source',
        'clip (T x H x W)',
        'tokens (t x h x w)',
        'width x depth',
        'GFLOPs/clip',
        'provider',
        'clips/s (ORT)',
      ],
      report.encoders.map((e) => [
        e.name,
        e.source,
        e.clip.join(' x '),
        `${e.grid.t} x ${e.grid.h} x ${e.grid.w}`,
        `${e.width} x ${e.depth}`,
        fmt(e.gflops, 3),
        e.provider,
        e.clipsPerSecond === null ? 'cached' : fmt(e.clipsPerSecond, 1),
      ]),
    ),
  ];
  const skipped = report.skipped ?? [];
  if (skipped.length > 0)
    out.push(
      '',
      '## Skipped videos',
      '',
      `${skipped.length} video${skipped.length > 1 ? 's' : ''} of the manifest could not be read and ${skipped.length > 1 ? 'were' : 'was'} left out (\`--strict\` fails instead):`,
      '',
      markdownTable(
        ['line', 'video', 'reason', 'tasks', 'error'],
        skipped.map((v) => [
          String(v.line),
          v.path,
          v.reason,
          v.tasks.join(', '),
          v.message.replace(/\n/g, ' '),
        ]),
      ),
    );
  for (const task of report.tasks) {
    out.push('', `## ${task.name}`, '');
    for (const method of s.adaptations) {
      const rows = rowsOf(report, task.name, method);
      if (rows.every((r) => r === undefined)) continue; // method not run on this task (taskAdaptations)
      out.push(`### ${method}`, '');
      for (const p of (report.pictures ?? []).filter((x) => x.task === task.name && x.method === method))
        out.push(
          `![${p.caption}](${relative(report.files.markdown.replace(/[^/]*$/, ''), p.file)})`,
          '',
          `*${p.encoder}*: ${p.caption}`,
          '',
        );
      const metrics = metricNames(report, task.name);
      out.push(
        markdownTable(
          ['metric', ...names],
          [
            ...metrics.map((m) => [
              metricLabel(report, task.name, m),
              ...rows.map((r) =>
                r?.metrics ? fmt(r.metrics.find((x) => x.name === m)?.value) : (r?.note ?? 'n/a'),
              ),
            ]),
            [`score for VGS: ${task.scoreName}`, ...rows.map((r) => fmt(r?.score, 2))],
            ['trainable params', ...rows.map((r) => (r?.trainableParams ?? 'n/a').toString())],
            ['head train seconds', ...rows.map((r) => fmt(r?.trainSeconds, 1))],
          ],
        ),
        '',
      );
    }
  }
  out.push(
    '## VideoGLUE score',
    '',
    `Suite: one group per task; methods: ${report.vgs.suite.methods.map((m) => m.id).join(', ')}. C_i = ${report.vgs.costBasis}; w_i = (1 / log10 C_i) / sum_j (1 / log10 C_j); VGS = sum_i w_i S_i (Yuan et al., VideoGLUE, Eq. 3).`,
    '',
  );
  const methods = report.vgs.suite.methods;
  out.push(
    markdownTable(
      ['encoder', ...methods.map((m) => `${m.id}: S (w, C)`), 'VGS'],
      Object.entries(report.vgs.models).map(([name, m]) => [
        name,
        ...methods.map((x) => {
          const r = m.methods[x.id];
          const miss = r.missingGroups.length ? `; missing ${r.missingGroups.join(', ')}` : '';
          return `${fmt(r.score, 2)} (${fmt(r.weight, 3)}, ${Math.round(r.cost)}${miss})`;
        }),
        fmt(m.vgs, 2),
      ]),
    ),
    '',
    ...Object.entries(report.vgs.unscored ?? {}).map(([name, why]) => `No VGS for ${name}: ${why}.\n`),
  );
  return `${out.join('\n')}\n`;
}
