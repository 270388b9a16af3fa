import { vfmkitProject } from '../../vitest.shared';

export default vfmkitProject('trainer', { testTimeout: 120_000 });
