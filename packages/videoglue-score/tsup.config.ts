import { vfmkitBuild } from '../../tsup.base';

// src/cli.ts starts with `#!/usr/bin/env node`; esbuild keeps an entry's hashbang in dist/cli.js.
export default vfmkitBuild({ entry: ['src/index.ts', 'src/cli.ts'] });
