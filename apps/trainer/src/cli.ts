/**
 * vfm-train <recipe> [--config file.ts|file.json] [--key=value ...] [--resume] [--no-progress]
 *
 *   vfm-train mae --steps=200 --out=runs/mae-nano
 *   vfm-train mae-dual --config my.ts --optim.lr=1e-3 --workers=2
 *   vfm-train mae --out=runs/mae-nano --resume
 */
import { constants } from 'node:os';
import { VfmError } from '@vfmkit/core';
import { resolveConfig } from './config/load-config';
import { RECIPES } from './recipes/registry';
import { train } from './train/train';

const USAGE = [
  `usage: vfm-train <${[...RECIPES.keys()].join('|')}> [--config file] [--key=value ...] [--resume] [--no-progress]`,
  '',
  'recipes:',
  ...[...RECIPES.values()].map((r) => `  ${r.name.padEnd(10)} ${r.summary}`),
  '',
  'SIGINT/SIGTERM finish the current step, write a checkpoint and exit (status 128 + signal number).',
].join('\n');

export async function main(argv: readonly string[]): Promise<number> {
  const [recipe, ...rest] = argv;
  if (!recipe || argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return recipe ? 0 : 2;
  }
  let file: string | undefined;
  let resume = false;
  let progress = true;
  const overrides: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (arg === '--resume') resume = true;
    else if (arg === '--no-progress') progress = false;
    else if (arg === '--config') file = rest[++i];
    else if (arg.startsWith('--config=')) file = arg.slice(9);
    else overrides.push(arg);
  }
  try {
    const config = await resolveConfig(recipe, { file, overrides });
    const result = await train(config, { resume, progress });
    const last = result.losses.at(-1);
    console.log(
      `${result.stoppedBy === 'done' ? 'finished' : `stopped (${result.stoppedBy})`} at step ${result.steps}${last ? `, loss ${last.loss.toFixed(4)}` : ''}`,
    );
    console.log(`run folder: ${result.out}`);
    for (const [what, path] of Object.entries({
      checkpoint: result.checkpoint,
      encoder: result.encoder,
      ...result.exported,
      ...result.pictures,
    })) {
      if (path) console.log(`  ${what}: ${path}`);
    }
    if (result.stoppedBy === 'signal' && result.signal) return 128 + constants.signals[result.signal];
    return 0;
  } catch (error) {
    if (error instanceof VfmError) {
      console.error(`vfm-train: ${error.name} (${error.code}): ${error.message}`);
      return 1;
    }
    throw error;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).then((code) => process.exit(code));
}
