import { vfmkitBuild } from '../../tsup.base';

// cli.ts starts with `#!/usr/bin/env node` (esbuild keeps an entry's hashbang); worker.ts is the render
// pool's worker-thread entry, resolved next to the bundle at run time.
export default vfmkitBuild({ entry: ['src/index.ts', 'src/cli.ts', 'src/worker.ts'] });
