// Runs a TypeScript entry of an app from its sources (apps are not published or built) IN THIS
// PROCESS: a resolve hook adds the workspace's `@vfmkit/source` export condition (what
// `--conditions=@vfmkit/source` does), tsx's loader compiles `.ts`, then the entry's exported
// `main(argv)` runs. No child process: a SIGINT/SIGTERM sent to the pid the user started reaches the
// program itself, whose handlers stop it cleanly (a launcher that spawned a child would leave it
// running as an orphan when a supervisor signals the launcher).
import { register } from 'node:module';

const CONDITION_HOOK = `
export async function resolve(specifier, context, next) {
  const conditions = context.conditions.includes('@vfmkit/source')
    ? context.conditions
    : ['@vfmkit/source', ...context.conditions];
  return next(specifier, { ...context, conditions });
}`;

/**
 * @param {URL} entry the `.ts` module to run; it must export `main(argv): Promise<number>`, whose
 *   result becomes the exit status.
 */
export async function runSource(entry) {
  register(`data:text/javascript,${encodeURIComponent(CONDITION_HOOK)}`);
  const { register: registerTsx } = await import('tsx/esm/api');
  registerTsx();
  const { main } = await import(entry.href);
  const code = await main(process.argv.slice(2));
  process.exit(code);
}
