import { vfmkitProject } from '../../vitest.shared';

export default vfmkitProject('evaluator', { testTimeout: 120_000 });
