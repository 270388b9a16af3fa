import { vfmkitProject } from '../../vitest.shared';

export default vfmkitProject('recllm-app', { testTimeout: 60_000 });
