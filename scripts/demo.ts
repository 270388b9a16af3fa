/**
 * `npm start`: the main job on built-in synthetic data, in two steps.
 *  1. vfm-train's demo: pretrain a nano MAE on synth4d scenes rendered on the fly, export its encoder,
 *     and export a randomly initialised encoder of the same size (apps/trainer/src/demo.ts).
 *  2. vfm-eval: probe both frozen encoders on synth4d 4D tasks and print the table (apps/evaluator).
 * Flags after `--` go to the trainer (e.g. `npm start -- --steps=50`).
 */
import { join } from 'node:path';
import { evaluate } from '../apps/evaluator/src/evaluate';
import { runDemo } from '../apps/trainer/src/demo';

const started = performance.now();
const run = await runDemo(process.argv.slice(2));
console.log(
  '\nvfm-eval: probing the pretrained and the random-init encoder (frozen features, linear and attentive readouts)...',
);
const report = await evaluate({
  encoders: [
    { name: 'pretrained', path: run.pretrained },
    { name: 'random-init', path: run.random },
  ],
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
const byTask = new Map<string, Map<string, string>>();
for (const r of report.results) {
  if (!r.metrics) continue;
  const head = r.metrics[0];
  const key = `${r.task} (${r.method}) ${head.name}`;
  if (!byTask.has(key)) byTask.set(key, new Map());
  byTask.get(key)?.set(r.encoder, head.value.toFixed(3));
}
console.log('\n| task (readout) metric | pretrained | random-init |\n|---|---|---|');
for (const [key, cells] of byTask)
  console.log(`| ${key} | ${cells.get('pretrained')} | ${cells.get('random-init')} |`);
for (const [name, model] of Object.entries(report.vgs.models))
  console.log(`VGS (${name}): ${model.vgs.toFixed(2)}`);
console.log(`\nreport: ${report.files.html}\n        ${report.files.markdown}`);
console.log(`demo finished in ${((performance.now() - started) / 60000).toFixed(1)} min`);
