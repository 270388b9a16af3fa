/**
 * `npm start`: the main job on built-in synthetic data, in two steps, through the apps' public
 * entry points (`@vfmkit/trainer`, `@vfmkit/evaluator`).
 *  1. vfm-train's demo: pretrain a nano MAE on synth4d scenes rendered on the fly.
 *  2. vfm-eval: probe the run's encoder and a randomly initialised twin, frozen, on synth4d 4D tasks,
 *     and print the table.
 * Flags after `--` go to the trainer (e.g. `npm start -- --steps=50`).
 */
import { join } from 'node:path';
import { evaluate } from '@vfmkit/evaluator';
import { runDemo } from '@vfmkit/trainer';

const started = performance.now();
const run = await runDemo(process.argv.slice(2));
console.log(
  '\nvfm-eval: probing the pretrained encoder and its random-init twin (frozen features, linear and attentive readouts)...',
);
const report = await evaluate({
  encoders: [{ name: 'pretrained', path: run.out }],
  randomBaseline: true,
  suite: '4d',
  tasks: ['depth', 'boxes', 'pose'],
  adaptations: ['linear', 'frozen'],
  taskAdaptations: { depth: ['linear'] },
  trainClips: 48,
  testClips: 16,
  steps: 120,
  out: join(run.out, 'eval'),
  log: (line) => console.log(`  ${line}`),
});
const names = report.encoders.map((e) => e.name);
const byTask = new Map<string, Map<string, string>>();
for (const r of report.results) {
  if (!r.metrics) continue;
  const head = r.metrics[0];
  const key = `${r.task} (${r.method}) ${head.name}`;
  if (!byTask.has(key)) byTask.set(key, new Map());
  byTask.get(key)?.set(r.encoder, head.value.toFixed(3));
}
console.log(`\n| task (readout) metric | ${names.join(' | ')} |\n|---|${names.map(() => '---|').join('')}`);
for (const [key, cells] of byTask)
  console.log(`| ${key} | ${names.map((n) => cells.get(n) ?? '-').join(' | ')} |`);
for (const [name, model] of Object.entries(report.vgs.models))
  console.log(`VGS (${name}): ${model.vgs.toFixed(2)}`);
console.log(`\nreport: ${report.files.html}\n        ${report.files.markdown}`);
console.log(`demo finished in ${((performance.now() - started) / 60000).toFixed(1)} min`);
