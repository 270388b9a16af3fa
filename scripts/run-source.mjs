// Runs a TypeScript entry of an app from its sources (apps are not published or built): node with the
// workspace's `@vfmkit/source` condition and tsx's loader, forwarding arguments and the exit status.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** @param {URL} entry the `.ts` file to run */
export function runSource(entry) {
  const args = [
    '--conditions=@vfmkit/source',
    '--import',
    'tsx',
    fileURLToPath(entry),
    ...process.argv.slice(2),
  ];
  const r = spawnSync(process.execPath, args, { stdio: 'inherit' });
  process.exit(r.status ?? (r.signal ? 130 : 1));
}
