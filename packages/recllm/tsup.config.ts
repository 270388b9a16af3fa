import { vfmkitBuild } from '../../tsup.base';

export default vfmkitBuild({ entry: ['src/index.ts', 'src/lancedb/index.ts'] });
