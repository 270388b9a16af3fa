import { vfmkitProject } from '../../vitest.shared';

export default vfmkitProject('videoprism-distill');
