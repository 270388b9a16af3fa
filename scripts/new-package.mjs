#!/usr/bin/env node
// Scaffolds a package from the template: node scripts/new-package.mjs <name> "<description>"
// Writes package.json (exports map with the @vfmkit/source condition), tsconfig, tsup and vitest
// configs. The package's README, src/index.ts and tests are the author's to write.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [name, description = ''] = process.argv.slice(2);
if (!name || !/^[a-z0-9-]+$/.test(name)) {
  console.error('usage: node scripts/new-package.mjs <kebab-name> "<description>"');
  process.exit(2);
}
const dir = join('packages', name);
if (existsSync(join(dir, 'package.json'))) {
  console.error(`${dir} already exists`);
  process.exit(1);
}
mkdirSync(join(dir, 'src'), { recursive: true });
const pkg = {
  name: `@vfmkit/${name}`,
  version: '0.1.0',
  description,
  license: 'Apache-2.0',
  type: 'module',
  sideEffects: false,
  engines: { node: '>=20.19' },
  exports: {
    '.': { '@vfmkit/source': './src/index.ts', types: './dist/index.d.ts', default: './dist/index.js' },
    './package.json': './package.json',
  },
  main: './dist/index.js',
  types: './dist/index.d.ts',
  files: ['dist', 'src', '!src/**/*.test.ts'],
  publishConfig: { access: 'public' },
  scripts: { build: 'tsup', typecheck: 'tsc -p tsconfig.json', test: 'vitest run' },
  dependencies: { '@vfmkit/core': '^0.1.0' },
};
const files = {
  'package.json': `${JSON.stringify(pkg, null, 2)}\n`,
  'tsconfig.json': '{ "extends": "../../tsconfig.base.json", "include": ["src", "bench", "examples"] }\n',
  'tsup.config.ts':
    "import { vfmkitBuild } from '../../tsup.base';\n\nexport default vfmkitBuild({ entry: ['src/index.ts'] });\n",
  'vitest.config.ts': `import { vfmkitProject } from '../../vitest.shared';\n\nexport default vfmkitProject('${name}');\n`,
};
for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
console.log(`created ${dir}: add src/index.ts, tests and README.md`);
