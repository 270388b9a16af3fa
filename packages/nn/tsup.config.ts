import { vfmkitBuild } from '../../tsup.base';

// The data-parallel worker is its own entry: `src/data-parallel.ts` loads `./internal/dp-worker.js`
// next to itself in dist/.
export default vfmkitBuild({
  entry: { index: 'src/index.ts', 'internal/dp-worker': 'src/internal/dp-worker.ts' },
});
